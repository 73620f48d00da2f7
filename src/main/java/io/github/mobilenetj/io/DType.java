package io.github.mobilenetj.io;

import java.util.Optional;

/**
 * Element types of the safetensors format, named as they appear in a file's header.
 *
 * <p>All multi-byte types are stored little-endian.
 */
public enum DType {
    /** Boolean, one byte per element. */
    BOOL(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Signed 8-bit integer. */
    I8(1),
    /** 8-bit float with 4 exponent and 3 mantissa bits. */
    F8_E4M3(1),
    /** 8-bit float with 5 exponent and 2 mantissa bits. */
    F8_E5M2(1),
    /** Signed 16-bit integer. */
    I16(2),
    /** Unsigned 16-bit integer. */
    U16(2),
    /** IEEE 754 binary16 (half precision). */
    F16(2),
    /** bfloat16: the upper 16 bits of an IEEE 754 binary32. */
    BF16(2),
    /** Signed 32-bit integer. */
    I32(4),
    /** Unsigned 32-bit integer. */
    U32(4),
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary64. */
    F64(8),
    /** Signed 64-bit integer (PyTorch's {@code num_batches_tracked}, for one). */
    I64(8),
    /** Unsigned 64-bit integer. */
    U64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /**
     * Returns the size of one element.
     *
     * @return the size in bytes
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Returns whether {@link SafetensorsFile#readFloats} can convert this type to float32.
     *
     * @return true for F32, F16, BF16 and F64
     */
    public boolean isConvertibleToFloat() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /**
     * Looks a type up by its header name, such as {@code "F32"} or {@code "F8_E4M3"}.
     *
     * @param name the name as written in a header
     * @return the type, or empty if the name is not one of this enum's constants (names are case-sensitive)
     */
    public static Optional<DType> fromHeaderName(String name) {
        return Optional.ofNullable(byHeaderName(name));
    }

    /** Like {@link #fromHeaderName} without allocating: null if there is no such type. */
    static DType byHeaderName(String name) {
        for (DType type : VALUES) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }

    private static final DType[] VALUES = values();
}
