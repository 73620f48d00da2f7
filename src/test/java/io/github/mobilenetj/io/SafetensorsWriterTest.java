package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    private static int[] unsigned(byte... bytes) {
        int[] values = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = bytes[i] & 0xFF;
        }
        return values;
    }

    @Test
    void writesExactlyWhatTheReferenceImplementationWrites() throws Exception {
        // Expected bytes from the reference implementation's own serialization tests.
        Path path = dir.resolve("attn.safetensors");
        SafetensorsWriter.write(path, Map.of(),
                List.of(new NamedTensor("attn.0", new long[] {1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5})));
        int[] expected = {
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
        assertArrayEquals(expected, unsigned(Files.readAllBytes(path)));

        SafetensorsWriter.write(path, Map.of(), List.of());
        assertArrayEquals(new int[] {8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32},
                unsigned(Files.readAllBytes(path)));

        SafetensorsWriter.write(path, Map.of("framework", "pt"), List.of());
        String header = "{\"__metadata__\":{\"framework\":\"pt\"}}     ";
        byte[] expectedWithMetadata = SafetensorsBytes.file(header, new byte[0]);
        assertArrayEquals(expectedWithMetadata, Files.readAllBytes(path));
        assertEquals(40, expectedWithMetadata[0]);
    }

    @Test
    void roundTripsF32ExactlyIncludingScalarsAndEmptyTensors() throws Exception {
        float[] matrix = {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, 0.1f};
        List<NamedTensor> tensors = List.of(
                new NamedTensor("scalar", new long[0], new float[] {3.25f}),
                new NamedTensor("matrix", new long[] {2, 3}, matrix),
                new NamedTensor("empty", new long[] {0, 3}, new float[0]),
                new NamedTensor("empty.middle", new long[] {2, 0, 5}, new float[0]),
                new NamedTensor("nan", new long[] {1}, new float[] {Float.intBitsToFloat(0x7FC00123)}));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("quote\"back\\slash", "new\nline\ttab \u0001 é 😀");
        Path path = dir.resolve("f32.safetensors");
        SafetensorsWriter.write(path, metadata, tensors);

        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(metadata, file.metadata());
            assertEquals(List.of("scalar", "matrix", "empty", "empty.middle", "nan"), file.names());
            assertArrayEquals(new float[] {3.25f}, file.readFloats("scalar"));
            assertArrayEquals(new long[0], file.info("scalar").shape());
            assertArrayEquals(matrix, file.readFloats("matrix"));
            assertArrayEquals(new long[] {2, 3}, file.info("matrix").shape());
            assertArrayEquals(new long[] {0, 3}, file.info("empty").shape());
            assertEquals(0, file.readFloats("empty.middle").length);
            assertEquals(0x7FC00123, Float.floatToRawIntBits(file.readFloats("nan")[0]));
            // Data in the given order, contiguous from the start of the data section.
            long start = file.info("scalar").dataOffset();
            assertEquals(start + 4, file.info("matrix").dataOffset());
            assertEquals(start + 28, file.info("nan").dataOffset());
        }
    }

    @Test
    void padsTheHeaderToAMultipleOfEightWithSpacesAndPutsMetadataFirst() throws Exception {
        Path path = dir.resolve("padded.safetensors");
        for (int nameLength = 1; nameLength <= 8; nameLength++) {
            SafetensorsWriter.write(path, Map.of("k", "v"),
                    List.of(new NamedTensor("x".repeat(nameLength), new long[] {1}, new float[] {1})));
            byte[] bytes = Files.readAllBytes(path);
            int headerLength = (int) java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .getLong();
            assertEquals(0, headerLength % 8);
            assertEquals(8 + headerLength + 4, bytes.length);
            String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\"},"), header);
            assertTrue(header.stripTrailing().endsWith("}"), header);
            assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '), header);
        }
    }

    @Test
    void roundTripsF16AndBf16ToTheirNearestValues() throws Exception {
        float[] values = {1f, -2.5f, 0.1f, 65504f, 1e-8f, 3.14159265f};
        Path path = dir.resolve("half.safetensors");
        SafetensorsWriter.write(path, Map.of(), List.of(
                new NamedTensor("h", DType.F16, new long[] {2, 3}, values),
                new NamedTensor("b", DType.BF16, new long[] {3, 2}, values),
                new NamedTensor("h0", DType.F16, new long[] {0}, new float[0]),
                new NamedTensor("b0", DType.BF16, new long[0], new float[] {-0f})));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(DType.F16, file.info("h").dtype());
            assertEquals(12, file.info("h").byteSize());
            // Nearest F16: 0.1 -> 0x2E66, 1e-8 -> 0 (below half the smallest subnormal), pi -> 0x4248.
            assertArrayEquals(new float[] {1f, -2.5f, 0.0999755859375f, 65504f, 0f, 3.140625f}, file.readFloats("h"));
            // Nearest BF16: 0.1 -> 0x3DCD, 65504 -> 0x4780 (65536), 1e-8 -> 0x322C, pi -> 0x4049.
            assertArrayEquals(new float[] {1f, -2.5f, Float.intBitsToFloat(0x3DCD0000), 65536f,
                Float.intBitsToFloat(0x322C0000), 3.140625f}, file.readFloats("b"));
            assertEquals(0, file.readFloats("h0").length);
            assertEquals(0x80000000, Float.floatToRawIntBits(file.readFloats("b0")[0]));
        }
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFile() throws Exception {
        Path path = dir.resolve("model.safetensors");
        Files.writeString(path, "old contents");
        SafetensorsWriter.write(path, Map.of(), List.of(new NamedTensor("a", new long[] {1}, new float[] {7})));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertArrayEquals(new float[] {7}, file.readFloats("a"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(path), files.toList());
        }
    }

    @Test
    void failedWriteLeavesTheTargetUntouched() throws Exception {
        Path path = dir.resolve("model.safetensors");
        Files.writeString(path, "old contents");
        NamedTensor a = new NamedTensor("a", new long[] {1}, new float[] {1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(path, Map.of(), List.of(a, a)));
        assertTrue(e.getMessage().contains("duplicate tensor name 'a'"), e.getMessage());
        assertEquals("old contents", Files.readString(path));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void rejectsStringsThatUtf8CannotEncode() {
        Path path = dir.resolve("bad.safetensors");
        NamedTensor lone = new NamedTensor("a\uD800b", new long[0], new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(path, Map.of(), List.of(lone)));
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(path, Map.of("k", "\uDC00"), List.of()));
        assertFalse(Files.exists(path));
    }

    @Test
    void namedTensorChecksItsArguments() {
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> new NamedTensor("w", new long[] {2, 3}, new float[5]));
        assertTrue(count.getMessage().contains("'w'") && count.getMessage().contains("6 elements")
                && count.getMessage().contains("5 values"), count.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("w", new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new NamedTensor("w", new long[] {1L << 40, 1L << 40}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("__metadata__", new long[0], new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> new NamedTensor("w", DType.I32, new long[] {1}, new float[1]));
        assertThrows(NullPointerException.class, () -> new NamedTensor("w", null, new float[1]));

        long[] shape = {1, 2};
        NamedTensor tensor = new NamedTensor("w", shape, new float[2]);
        shape[0] = 5;
        tensor.shape()[1] = 5;
        assertArrayEquals(new long[] {1, 2}, tensor.shape());
        assertEquals(new NamedTensor("w", new long[] {1, 2}, new float[2]), tensor);
        assertEquals(8, tensor.byteSize());
        assertTrue(tensor.toString().contains(Arrays.toString(new long[] {1, 2})));
    }
}
