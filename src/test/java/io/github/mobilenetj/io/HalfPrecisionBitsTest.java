package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * F16 and BF16 encodings written by {@link SafetensorsWriter}, checked against bit patterns worked out by
 * hand from the IEEE 754 definitions, and the decodings of {@link SafetensorsFile#readFloats} likewise.
 */
class HalfPrecisionBitsTest {

    private static final ValueLayout.OfShort U16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private static float bits(int bits) {
        return Float.intBitsToFloat(bits);
    }

    /** Writes the values as one tensor of the type and returns the stored 16-bit patterns. */
    private int[] stored(DType type, float... values) throws Exception {
        Path path = dir.resolve(type + ".safetensors");
        SafetensorsWriter.write(path, Map.of(), List.of(new NamedTensor("t", type, new long[] {values.length}, values)));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            MemorySegment bytes = file.bytes("t");
            int[] patterns = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                patterns[i] = bytes.getAtIndex(U16_LE, i) & 0xFFFF;
            }
            return patterns;
        }
    }

    private static void assertPatterns(int[] expected, int[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], String.format("element %d: expected 0x%04X, got 0x%04X", i,
                    expected[i], actual[i]));
        }
    }

    @Test
    void encodesF16WithRoundToNearestEven() throws Exception {
        float[] values = {
            1.0f, -2.0f, 0.0f, -0.0f,
            65504f,                 // largest finite half
            65519f,                 // below the midpoint to infinity: stays finite
            65520f,                 // the midpoint between 65504 and 65536: ties to even, which is infinity
            1e6f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            0x1p-24f,               // smallest subnormal half
            0x1p-25f,               // half of it: ties to even zero
            0x3p-25f,               // 1.5 units: ties to even, 2 units
            0x1p-14f,               // smallest normal half
            1 + 0x1p-11f,           // 1 + half an ulp: ties to even 1.0
            1 + 0x3p-11f,           // 1 + 1.5 ulp: ties to even 1 + 2 ulp
            1 + 0x1p-11f + 0x1p-20f, // just above half an ulp: rounds up
            1f / 3,
        };
        int[] expected = {
            0x3C00, 0xC000, 0x0000, 0x8000,
            0x7BFF, 0x7BFF, 0x7C00, 0x7C00,
            0x7C00, 0xFC00,
            0x0001, 0x0000, 0x0002, 0x0400,
            0x3C00, 0x3C02, 0x3C01, 0x3555,
        };
        assertPatterns(expected, stored(DType.F16, values));
    }

    @Test
    void encodesBf16WithRoundToNearestEven() throws Exception {
        float[] values = {
            1.0f, -1.0f, -0.0f,
            bits(0x3F808000),       // tie, even kept part: down
            bits(0x3F818000),       // tie, odd kept part: up
            bits(0x3F808001),       // above the tie: up
            bits(0x3F807FFF),       // below the tie: down
            bits(0x40490FDB),       // pi
            Float.MAX_VALUE,        // rounds past the largest bfloat16 to infinity
            bits(0x7F7F7FFF),       // just below that midpoint: stays finite
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            bits(0x00000001),       // float subnormals: rounded like anything else
            bits(0x00008000),
            bits(0x00018000),
            bits(0x00010001),
        };
        int[] expected = {
            0x3F80, 0xBF80, 0x8000,
            0x3F80, 0x3F82, 0x3F81, 0x3F80,
            0x4049,
            0x7F80, 0x7F7F,
            0x7F80, 0xFF80,
            0x0000, 0x0000, 0x0002, 0x0001,
        };
        assertPatterns(expected, stored(DType.BF16, values));
    }

    @Test
    void keepsNaNsNaN() throws Exception {
        float[] nans = {Float.NaN, bits(0x7F800001), bits(0xFF800001), bits(0x7FC00000)};
        for (int pattern : stored(DType.BF16, nans)) {
            assertEquals(0x7F80, pattern & 0x7F80, () -> Integer.toHexString(pattern));
            assertTrue((pattern & 0x007F) != 0, () -> Integer.toHexString(pattern));
        }
        for (int pattern : stored(DType.F16, nans)) {
            assertEquals(0x7C00, pattern & 0x7C00, () -> Integer.toHexString(pattern));
            assertTrue((pattern & 0x03FF) != 0, () -> Integer.toHexString(pattern));
        }
        assertEquals(0x7FC0, Bfloat16.fromFloat(Float.NaN) & 0xFFFF);
    }

    @Test
    void decodesF16AndBf16Exactly() throws Exception {
        byte[] f16 = SafetensorsBytes.shortsLE(0x3C00, 0x0001, 0x7BFF, 0xFC00, 0x3555, 0x8000, 0x7E00, 0x0400);
        byte[] bf16 = SafetensorsBytes.shortsLE(0x4049, 0x3F80, 0x0001, 0xFF80, 0x7FC0);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[8],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[16,26]}}";
        byte[] data = new byte[26];
        System.arraycopy(f16, 0, data, 0, 16);
        System.arraycopy(bf16, 0, data, 16, 10);
        Path path = SafetensorsBytes.write(dir, "halves.safetensors", SafetensorsBytes.file(header, data));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            float[] h = file.readFloats("h");
            assertEquals(1.0f, h[0]);
            assertEquals(0x1p-24f, h[1]);
            assertEquals(65504f, h[2]);
            assertEquals(Float.NEGATIVE_INFINITY, h[3]);
            assertEquals(0.333251953125f, h[4]);
            assertEquals(0x80000000, Float.floatToRawIntBits(h[5]));
            assertTrue(Float.isNaN(h[6]));
            assertEquals(0x1p-14f, h[7]);
            float[] b = file.readFloats("b");
            assertEquals(3.140625f, b[0]);
            assertEquals(1.0f, b[1]);
            assertEquals(bits(0x00010000), b[2]);
            assertEquals(Float.NEGATIVE_INFINITY, b[3]);
            assertTrue(Float.isNaN(b[4]));
        }
    }
}
