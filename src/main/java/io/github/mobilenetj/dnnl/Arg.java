package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;

/** Execution argument slots ({@code DNNL_ARG_*}). */
public enum Arg {
    SRC,
    DST,
    WEIGHTS,
    BIAS,
    SCRATCHPAD,
    /** Reorder source. */
    FROM,
    /** Reorder destination. */
    TO,
    /** Scales of the source ({@code DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC}): f32, one value (mask 0). */
    SCALES_SRC,
    /** Scales of the weights: f32, one per output channel (mask 1, or 3 for grouped weights). */
    SCALES_WEIGHTS,
    /** Scales of the destination: f32, one value. */
    SCALES_DST;

    int code() {
        return switch (this) {
            case SRC -> DnnlNative.DNNL_ARG_SRC();
            case DST -> DnnlNative.DNNL_ARG_DST();
            case WEIGHTS -> DnnlNative.DNNL_ARG_WEIGHTS();
            case BIAS -> DnnlNative.DNNL_ARG_BIAS();
            case SCRATCHPAD -> DnnlNative.DNNL_ARG_SCRATCHPAD();
            case FROM -> DnnlNative.DNNL_ARG_FROM();
            case TO -> DnnlNative.DNNL_ARG_TO();
            case SCALES_SRC -> DnnlNative.DNNL_ARG_ATTR_SCALES() | DnnlNative.DNNL_ARG_SRC();
            case SCALES_WEIGHTS -> DnnlNative.DNNL_ARG_ATTR_SCALES() | DnnlNative.DNNL_ARG_WEIGHTS();
            case SCALES_DST -> DnnlNative.DNNL_ARG_ATTR_SCALES() | DnnlNative.DNNL_ARG_DST();
        };
    }
}
