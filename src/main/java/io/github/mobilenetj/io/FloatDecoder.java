package io.github.mobilenetj.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts little-endian floating-point tensor data to float32 in native byte order, element by element. */
final class FloatDecoder {

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_NATIVE = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private FloatDecoder() {
    }

    /**
     * Writes {@code count} float32 values to the start of {@code dst}, converted from {@code src}.
     *
     * @param src   at least {@code count * type.byteSize()} bytes of little-endian elements
     * @param type  F32, F16, BF16 or F64
     * @param dst   at least {@code 4 * count} writable bytes; need not be aligned
     * @param count the number of elements
     */
    static void decode(MemorySegment src, DType type, MemorySegment dst, long count) {
        switch (type) {
            // A single bulk copy, which swaps bytes only on a big-endian machine.
            case F32 -> MemorySegment.copy(src, F32_LE, 0, dst, F32_NATIVE, 0, count);
            case F16 -> {
                for (long i = 0; i < count; i++) {
                    dst.setAtIndex(F32_NATIVE, i, Float.float16ToFloat(src.getAtIndex(U16_LE, i)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    dst.setAtIndex(F32_NATIVE, i, Bfloat16.toFloat(src.getAtIndex(U16_LE, i)));
                }
            }
            case F64 -> {
                for (long i = 0; i < count; i++) {
                    dst.setAtIndex(F32_NATIVE, i, (float) src.getAtIndex(F64_LE, i));
                }
            }
            default -> throw new IllegalArgumentException("cannot convert " + type + " to float32");
        }
    }
}
