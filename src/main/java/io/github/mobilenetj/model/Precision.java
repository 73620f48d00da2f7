package io.github.mobilenetj.model;

import java.nio.file.Path;

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
     * 8-bit integers: post-training static quantization. BatchNorm is folded into the convolutions
     * first; weights are quantized per output channel to s8, activations per tensor to u8 (every
     * activation follows a ReLU) with scales from {@link Calibration} data, and the logits come back
     * as float32. A model is built at this precision from float weights and
     * {@link MobileNetV1.Builder#calibration(Calibration) calibration data}, or loaded from a file
     * {@link MobileNetV1#saveQuantized(Path) saved} by an INT8 model, which needs no calibration
     * data. Runs on every CPU oneDNN supports: on x86-64 without VNNI the weights use 7 bits so that
     * no intermediate sum saturates; elsewhere oneDNN's int8 kernels (VNNI, AMX, aarch64 dot
     * products) are used.
     */
    INT8
}
