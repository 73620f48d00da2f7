package io.github.mobilenetj.model;

/**
 * One oneDNN primitive of a compiled model and the implementation oneDNN chose for it on this CPU.
 *
 * @param layer the layer it computes, by index from 0, e.g. {@code "3: Conv2d dw"}, or the reorder
 *        it is, e.g. {@code "reorder to 3: Conv2d dw"}
 * @param operation {@code convolution}, {@code inner product}, {@code pooling} or {@code reorder}
 * @param implementation oneDNN's name for the kernel, e.g. {@code brdgmm_dw:avx512_core}; a
 *        {@code ref} part ({@code gemm:ref}, {@code ref:any}) means a slow reference kernel
 * @param reorder whether it only converts a tensor between layouts
 */
public record Kernel(String layer, String operation, String implementation, boolean reorder) {
}
