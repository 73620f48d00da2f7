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
    TO;

    int code() {
        return switch (this) {
            case SRC -> DnnlNative.DNNL_ARG_SRC();
            case DST -> DnnlNative.DNNL_ARG_DST();
            case WEIGHTS -> DnnlNative.DNNL_ARG_WEIGHTS();
            case BIAS -> DnnlNative.DNNL_ARG_BIAS();
            case SCRATCHPAD -> DnnlNative.DNNL_ARG_SCRATCHPAD();
            case FROM -> DnnlNative.DNNL_ARG_FROM();
            case TO -> DnnlNative.DNNL_ARG_TO();
        };
    }
}
