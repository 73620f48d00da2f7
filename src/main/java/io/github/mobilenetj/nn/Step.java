package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.Primitive;

/**
 * One primitive of a compiled network with the layouts of the activations it reads and writes.
 * Weights, bias and scales are network- or model-owned memory, shared read-only by every execution.
 *
 * @param label what this step is, e.g. "3: Conv2d dw" or "reorder to 4: Conv2d 1x1"
 * @param layer the index of the layer it computes, or -1 for a reorder
 * @param scratchpad null when the primitive needs no scratchpad
 * @param srcScales one f32 value, or null
 * @param weightScales one f32 value per output channel, or null
 * @param dstScales one f32 value, or null
 */
record Step(String label, int layer, Primitive primitive, MemoryDesc src, MemoryDesc dst, Memory weights, Memory bias,
        MemoryDesc scratchpad, boolean reorder, Memory srcScales, Memory weightScales, Memory dstScales) {

    int argumentCount() {
        return 2 + count(weights) + count(bias) + (scratchpad == null ? 0 : 1) + count(srcScales) + count(weightScales)
                + count(dstScales);
    }

    private static int count(Memory m) {
        return m == null ? 0 : 1;
    }
}
