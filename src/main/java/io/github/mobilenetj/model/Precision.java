package io.github.mobilenetj.model;

/** The number format a model computes in. Inputs and logits are float32 at every precision. */
public enum Precision {
    /** float32 throughout: the reference. */
    FP32,
    /**
     * bfloat16 activations and weights (float32 accumulation), on CPUs with native bf16: AVX512-BF16
     * or AMX on x86-64, FEAT_BF16 on aarch64. Building it elsewhere throws
     * {@link UnsupportedOperationException} naming the missing feature.
     */
    BF16,
    /**
     * 8-bit integers. Not available yet: building a model at this precision throws
     * {@link UnsupportedOperationException}.
     */
    INT8
}
