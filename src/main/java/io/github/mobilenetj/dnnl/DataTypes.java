package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;
import io.github.mobilenetj.io.DType;

/**
 * Maps the element types the library computes in ({@link DType}: F32, BF16, I8, U8, I32) to and
 * from oneDNN's {@code dnnl_data_type_t}.
 */
final class DataTypes {
    private DataTypes() {
    }

    static int code(DType type) {
        return switch (type) {
            case F32 -> DnnlNative.dnnl_f32();
            case BF16 -> DnnlNative.dnnl_bf16();
            case I8 -> DnnlNative.dnnl_s8();
            case U8 -> DnnlNative.dnnl_u8();
            default -> throw new IllegalArgumentException("oneDNN tensors here are F32, BF16, I8 or U8, not " + type);
        };
    }

    static DType fromCode(int code) {
        for (DType t : new DType[] {DType.F32, DType.BF16, DType.I8, DType.U8}) {
            if (code(t) == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dnnl_data_type_t " + code);
    }
}
