package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a file assembled byte by byte in the test, as a PyTorch state_dict export might look. */
class SafetensorsFileTest {

    @TempDir
    Path dir;

    /**
     * Tensors in header order counter, mask, w, h, b, d; in data order w, counter, d, h, b, mask. The
     * header has spaces, a metadata escape and no padding, which readers must accept.
     */
    static byte[] sampleFile() {
        String header = """
                { "__metadata__": {"format": "pt", "note": "caf\\u00e9 \\"q\\""},
                  "counter": {"dtype": "I64", "shape": [], "data_offsets": [16, 24]},
                  "mask": {"dtype": "BOOL", "shape": [3], "data_offsets": [72, 75]},
                  "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                  "h": {"dtype": "F16", "shape": [7], "data_offsets": [48, 62]},
                  "b": {"dtype": "BF16", "shape": [5], "data_offsets": [62, 72]},
                  "d": {"shape": [3], "data_offsets": [24, 48], "dtype": "F64", "future_field": [1, {"x": null}]}
                }""";
        ByteBuffer data = ByteBuffer.allocate(75).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f).putFloat(0f).putFloat(1e-3f);            // w   [0, 16)
        data.putLong(42);                                                          // counter [16, 24)
        data.putDouble(0.1).putDouble(1e300).putDouble(-1.5);                      // d   [24, 48)
        for (int half : new int[] {0x3C00, 0xC000, 0x3800, 0x0000, 0x7C00, 0x3555, 0x0001}) {
            data.putShort((short) half);                                           // h   [48, 62)
        }
        for (int bf : new int[] {0x3F80, 0x4049, 0xC000, 0x0000, 0x7F80}) {
            data.putShort((short) bf);                                             // b   [62, 72)
        }
        data.put((byte) 1).put((byte) 0).put((byte) 1);                            // mask [72, 75)
        return SafetensorsBytes.file(header, data.array());
    }

    private SafetensorsFile openSample() throws Exception {
        return SafetensorsFile.open(SafetensorsBytes.write(dir, "sample.safetensors", sampleFile()));
    }

    @Test
    void readsHeaderMetadataAndLayout() throws Exception {
        try (SafetensorsFile file = openSample()) {
            assertEquals(Map.of("format", "pt", "note", "café \"q\""), file.metadata());
            assertEquals(List.of("counter", "mask", "w", "h", "b", "d"), file.names());
            int headerLength = sampleFile().length - 8 - 75;
            long dataStart = 8 + headerLength;
            assertEquals(new TensorInfo("counter", DType.I64, new long[0], dataStart + 16, 8), file.info("counter"));
            assertEquals(new TensorInfo("w", DType.F32, new long[] {2, 2}, dataStart, 16), file.info("w"));
            assertEquals(1, file.info("counter").elementCount());
            assertEquals(0, file.info("counter").rank());
            assertEquals(3, file.info("mask").elementCount());
            assertTrue(file.contains("d"));
            assertFalse(file.contains("e"));
        }
    }

    @Test
    void exposesRawBytesWithoutCopying() throws Exception {
        try (SafetensorsFile file = openSample()) {
            MemorySegment counter = file.bytes("counter");
            assertEquals(8, counter.byteSize());
            assertEquals(42L, counter.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            assertTrue(counter.isReadOnly());
            assertTrue(counter.isMapped());
            assertArrayEquals(new byte[] {1, 0, 1}, file.bytes("mask").toArray(ValueLayout.JAVA_BYTE));
            assertThrows(IllegalArgumentException.class, () -> counter.set(ValueLayout.JAVA_BYTE, 0, (byte) 0));
        }
    }

    @Test
    void convertsEveryFloatTypeToFloat32() throws Exception {
        try (SafetensorsFile file = openSample()) {
            assertArrayEquals(new float[] {1.5f, -2f, 0f, 1e-3f}, file.readFloats("w"));
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 0f, Float.POSITIVE_INFINITY, 0.333251953125f, 0x1p-24f},
                    file.readFloats("h"));
            assertArrayEquals(new float[] {1f, 3.140625f, -2f, 0f, Float.POSITIVE_INFINITY}, file.readFloats("b"));
            assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY, -1.5f}, file.readFloats("d"));
        }
    }

    @Test
    void convertsIntoOffHeapMemory() throws Exception {
        try (SafetensorsFile file = openSample(); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(4 * 4 + 3);
            file.readFloats("w", dst.asSlice(3)); // deliberately misaligned
            assertEquals(-2f, dst.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 3 + 4));
            assertEquals(1e-3f, dst.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 3 + 12));

            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> file.readFloats("w", arena.allocate(15)));
            assertTrue(small.getMessage().contains("needs 16 bytes") && small.getMessage().contains("has 15"),
                    small.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.readFloats("w", arena.allocate(16).asReadOnly()));
        }
    }

    @Test
    void refusesToConvertNonFloatTypes() throws Exception {
        try (SafetensorsFile file = openSample()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> file.readFloats("counter"));
            assertTrue(e.getMessage().contains("'counter'") && e.getMessage().contains("I64"), e.getMessage());
        }
    }

    @Test
    void unknownNameListsWhatExists() throws Exception {
        try (SafetensorsFile file = openSample()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.info("missing"));
            assertTrue(e.getMessage().contains("'missing'"), e.getMessage());
            assertTrue(e.getMessage().contains("counter, mask, w, h, b, d"), e.getMessage());
        }
    }

    @Test
    void unknownNameListsOnlyTheFirstTenOfMany() throws Exception {
        List<NamedTensor> tensors = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            tensors.add(new NamedTensor("layer" + i, new long[0], new float[] {i}));
        }
        Path path = dir.resolve("many.safetensors");
        SafetensorsWriter.write(path, Map.of(), tensors);
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            String message = assertThrows(IllegalArgumentException.class, () -> file.bytes("x")).getMessage();
            assertTrue(message.contains("layer0, layer1") && message.contains("layer9, ... (12 in all)"), message);
            assertFalse(message.contains("layer10"), message);
        }
    }

    @Test
    void closeIsIdempotentAndInvalidatesEverything() throws Exception {
        SafetensorsFile file = openSample();
        MemorySegment w = file.bytes("w");
        file.close();
        file.close();
        assertThrows(IllegalStateException.class, file::names);
        assertThrows(IllegalStateException.class, file::metadata);
        assertThrows(IllegalStateException.class, () -> file.info("w"));
        assertThrows(IllegalStateException.class, () -> file.readFloats("w"));
        assertThrows(IllegalStateException.class, () -> w.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void acceptsAnEmptyFile() throws Exception {
        Path path = SafetensorsBytes.write(dir, "empty.safetensors", SafetensorsBytes.file("{}", new byte[0]));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(List.of(), file.names());
            assertEquals(Map.of(), file.metadata());
        }
    }

    @Test
    void acceptsNullMetadataAndZeroSizedTensorsAnywhere() throws Exception {
        // Zero-byte tensors share their offset with a neighbour, as the reference implementation allows.
        String header = "{\"__metadata__\":null,\"e1\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]},"
                + "\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"e2\":{\"dtype\":\"I32\",\"shape\":[3,0],\"data_offsets\":[2,2]}}";
        Path path = SafetensorsBytes.write(dir, "zero.safetensors", SafetensorsBytes.file(header, new byte[] {7, 9}));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(Map.of(), file.metadata());
            assertEquals(0, file.readFloats("e1").length);
            assertEquals(0, file.bytes("e2").byteSize());
            assertArrayEquals(new byte[] {7, 9}, file.bytes("x").toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void knowsTheSizeOfEveryDtype() throws Exception {
        // One tensor of two elements per type, laid out back to back.
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long offset = 0;
        String[] names = {"BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F32",
            "F64", "I64", "U64"};
        int[] sizes = {1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};
        for (int i = 0; i < names.length; i++) {
            long end = offset + 2L * sizes[i];
            header.append(i == 0 ? "" : ",").append('"').append(names[i]).append("\":{\"dtype\":\"").append(names[i])
                    .append("\",\"shape\":[2],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            data.writeBytes(new byte[2 * sizes[i]]);
            offset = end;
        }
        header.append('}');
        Path path = SafetensorsBytes.write(dir, "dtypes.safetensors",
                SafetensorsBytes.file(header.toString(), data.toByteArray()));
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            for (int i = 0; i < names.length; i++) {
                assertEquals(DType.valueOf(names[i]), file.info(names[i]).dtype());
                assertEquals(2L * sizes[i], file.info(names[i]).byteSize(), names[i]);
            }
        }
    }

    @Test
    void tensorInfoChecksItsParts() {
        assertThrows(IllegalArgumentException.class, () -> new TensorInfo("t", DType.F32, new long[] {2}, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new TensorInfo("t", DType.F32, new long[] {-1}, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new TensorInfo("t", DType.F32, new long[] {1}, -8, 4));
        long[] shape = {2, 3};
        TensorInfo info = new TensorInfo("t", DType.F16, shape, 8, 12);
        shape[0] = 99;
        info.shape()[1] = 99;
        assertArrayEquals(new long[] {2, 3}, info.shape());
        assertEquals(6, info.elementCount());
    }
}
