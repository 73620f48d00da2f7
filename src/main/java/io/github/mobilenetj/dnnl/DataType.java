package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;

/** Element types the library computes in ({@code dnnl_data_type_t}). */
public enum DataType {
    F32(4),
    BF16(2),
    S8(1),
    U8(1);

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    int code() {
        return switch (this) {
            case F32 -> DnnlNative.dnnl_f32();
            case BF16 -> DnnlNative.dnnl_bf16();
            case S8 -> DnnlNative.dnnl_s8();
            case U8 -> DnnlNative.dnnl_u8();
        };
    }

    static DataType fromCode(int code) {
        for (DataType t : values()) {
            if (t.code() == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dnnl_data_type_t " + code);
    }
}
