package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.Primitive;

/**
 * One primitive of a compiled network with the layouts of the activations it reads and writes.
 * Weights and bias are model-owned memory, shared read-only by every execution.
 *
 * @param label what this step is, e.g. "3: Conv2d dw" or "reorder nchw -> chosen"
 * @param scratchpad null when the primitive needs no scratchpad
 */
record Step(String label, Primitive primitive, MemoryDesc src, MemoryDesc dst, Memory weights, Memory bias,
        MemoryDesc scratchpad, boolean reorder) {

    int argumentCount() {
        return 2 + (weights == null ? 0 : 1) + (bias == null ? 0 : 1) + (scratchpad == null ? 0 : 1);
    }
}
