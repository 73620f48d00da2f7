package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;

/**
 * Memory format tags ({@code dnnl_format_tag_t}) for plain layouts, plus {@link #ANY}, which lets
 * a primitive choose the layout it runs fastest on.
 */
public enum FormatTag {
    /** Let the primitive choose (often a blocked layout such as {@code nChw16c}). */
    ANY(-1),
    /** 1-D, e.g. a bias vector. */
    X(1),
    /** 2-D row-major: {@code nc} for data, {@code oi} for inner-product weights. */
    NC(2),
    /** 4-D {@code nchw} for data, {@code oihw} for weights. */
    NCHW(4),
    /** 4-D channels-last {@code nhwc}. */
    NHWC(4),
    /** 5-D grouped weights {@code goihw}. */
    GOIHW(5);

    private final int rank;

    FormatTag(int rank) {
        this.rank = rank;
    }

    /** Number of dimensions this tag describes, or -1 for {@link #ANY}. */
    public int rank() {
        return rank;
    }

    /** The plain row-major tag of {@code rank} dimensions: {@link #X}, {@link #NC}, {@link #NCHW} or {@link #GOIHW}. */
    public static FormatTag plain(int rank) {
        return switch (rank) {
            case 1 -> X;
            case 2 -> NC;
            case 4 -> NCHW;
            case 5 -> GOIHW;
            default -> throw new IllegalArgumentException("no plain format tag for rank " + rank);
        };
    }

    int code() {
        return switch (this) {
            case ANY -> DnnlNative.dnnl_format_tag_any();
            case X -> DnnlNative.dnnl_a();
            case NC -> DnnlNative.dnnl_ab();
            case NCHW -> DnnlNative.dnnl_abcd();
            case NHWC -> DnnlNative.dnnl_acdb();
            case GOIHW -> DnnlNative.dnnl_abcde();
        };
    }
}
