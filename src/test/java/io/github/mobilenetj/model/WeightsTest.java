package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsException;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.io.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving, loading (F32 / F16 / BF16, reference and timm names) and validating weights. */
class WeightsTest {

    private static final int CLASSES = 10;

    @TempDir
    Path dir;

    private static MobileNetV1.Builder smallBuilder() {
        return MobileNetV1.builder().widthMultiplier(0.25).resolution(64).classes(CLASSES);
    }

    private static ModelConfig small() {
        return smallBuilder().config();
    }

    // ---------------------------------------------------------------- save / load round trips

    @Test
    void f32RoundTripIsExact() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 1);
        Path file = dir.resolve("w.safetensors");
        w.save(file, DType.F32, Map.of("format", "pt"));
        Weights loaded = Weights.load(file, config);
        assertEquals(w.names(), loaded.names());
        for (String name : w.names()) {
            assertArrayEquals(w.tensor(name).shape(), loaded.tensor(name).shape(), name);
            assertArrayEquals(w.tensor(name).values(), loaded.tensor(name).values(), name);
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals("pt", st.metadata().get("format"));
            assertEquals(DType.F32, st.info("fc.weight").dtype());
            assertEquals(Weights.expectedShapes(config).size(), st.names().size());
        }
    }

    @Test
    void f16RoundTripRoundsLikeTheJdk() throws IOException {
        assertRoundTrip(DType.F16, x -> Float.float16ToFloat(Float.floatToFloat16((float) x)));
    }

    @Test
    void bf16RoundTripRoundsToNearestEven() throws IOException {
        assertRoundTrip(DType.BF16, x -> bf16((float) x));
    }

    private void assertRoundTrip(DType dtype, DoubleUnaryOperator rounding) throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 2);
        Path file = dir.resolve(dtype + ".safetensors");
        w.save(file, dtype, null);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(dtype, st.info("model.0.0.weight").dtype());
        }
        Weights loaded = Weights.load(file, config);
        long changed = 0;
        long total = 0;
        for (String name : w.names()) {
            float[] original = w.tensor(name).values();
            float[] expected = new float[original.length];
            for (int i = 0; i < original.length; i++) {
                expected[i] = (float) rounding.applyAsDouble(original[i]);
                if (expected[i] != original[i]) {
                    changed++;
                }
            }
            total += original.length;
            assertArrayEquals(expected, loaded.tensor(name).values(), dtype + " " + name);
        }
        assertTrue(changed > total / 2, "rounding to " + dtype + " changed only " + changed + " of " + total + " values");

        // The model built from the rounded file equals ORT fed with the rounded values.
        float[] input = OrtReference.images(config, 1, 3, 1.0);
        try (MobileNetV1 model = smallBuilder().weights(file).build();
             Session session = model.newSession();
             OrtReference ort = OrtReference.of(config, loaded, false)) {
            OrtReference.assertClose(ort.run(input, 1), session.run(input), dtype + " model");
        }
    }

    /** bfloat16 rounding by comparison of the two neighbours, ties to the even one (finite inputs). */
    private static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);           // towards zero
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000); // away from zero
        double dDown = Math.abs((double) x - down);
        double dUp = Math.abs((double) up - x);
        if (dDown < dUp) {
            return down;
        }
        if (dUp < dDown) {
            return up;
        }
        return ((Float.floatToRawIntBits(down) >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void bf16HelperSanity() {
        assertEquals(1.0f, bf16(1.0f));
        assertEquals(1.0f, bf16(Float.intBitsToFloat(0x3F808000)));                        // tie, even is down
        assertEquals(Float.intBitsToFloat(0x3F820000), bf16(Float.intBitsToFloat(0x3F818000))); // tie, even is up
        assertEquals(Float.intBitsToFloat(0x3F810000), bf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals(-1.0f, bf16(Float.intBitsToFloat(0xBF807FFF)));
    }

    // ---------------------------------------------------------------- names and shapes

    @Test
    void missingAndUnexpectedTensorsAreAllListed() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 3);
        List<NamedTensor> list = new ArrayList<>();
        for (String name : w.names()) {
            if (!name.equals("model.3.4.running_var") && !name.equals("fc.bias")) {
                list.add(new NamedTensor(name, w.tensor(name).shape(), w.tensor(name).values()));
            }
        }
        list.add(new NamedTensor("model.3.2.weight", new long[] {2}, new float[] {1, 2}));
        Path file = dir.resolve("mismatch.safetensors");
        SafetensorsWriter.write(file, Map.of(), list);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weights.load(file, config));
        String m = e.getMessage();
        assertTrue(m.contains("model.3.4.running_var"), m);
        assertTrue(m.contains("fc.bias"), m);
        assertTrue(m.contains("model.3.2.weight"), m);
        assertTrue(m.contains("2 missing"), m);
        assertTrue(m.contains("1 unexpected"), m);
        assertThrows(IllegalArgumentException.class, () -> smallBuilder().weights(file).build());
    }

    @Test
    void numBatchesTrackedIsIgnored() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 4);
        List<RawTensor> raw = new ArrayList<>();
        int counters = 0;
        for (String name : w.names()) {
            raw.add(RawTensor.f32(name, w.tensor(name).shape(), w.tensor(name).values()));
            if (name.endsWith(".running_var")) {
                String module = name.substring(0, name.length() - ".running_var".length());
                raw.add(RawTensor.i64(module + ".num_batches_tracked", 12345L + counters++));
            }
        }
        assertEquals(27, counters);
        Path file = dir.resolve("with-counters.safetensors");
        writeRaw(file, raw);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(DType.I64, st.info("model.13.4.num_batches_tracked").dtype());
        }
        Weights loaded = Weights.load(file, config);
        assertEquals(w.names(), loaded.names());
        for (String name : w.names()) {
            assertArrayEquals(w.tensor(name).values(), loaded.tensor(name).values(), name);
        }
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 5);
        assertArrayEquals(new long[] {16, 8, 1, 1}, Weights.expectedShapes(config).get("model.1.3.weight"));
        List<NamedTensor> list = new ArrayList<>();
        for (String name : w.names()) {
            long[] shape = name.equals("model.1.3.weight") ? new long[] {16, 8} : w.tensor(name).shape();
            list.add(new NamedTensor(name, shape, w.tensor(name).values()));
        }
        Path file = dir.resolve("shape.safetensors");
        SafetensorsWriter.write(file, Map.of(), list);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Weights.load(file, config));
        String m = e.getMessage();
        assertTrue(m.contains("model.1.3.weight"), m);
        assertTrue(m.contains("[16, 8]"), m);
        assertTrue(m.contains("[16, 8, 1, 1]"), m);
    }

    @Test
    void weightsOfAnotherWidthAreRejectedAtBuild() {
        Weights half = Weights.random(smallBuilder().widthMultiplier(0.5).config(), 6);
        assertThrows(IllegalArgumentException.class, () -> smallBuilder().weights(half).build());
    }

    // ---------------------------------------------------------------- timm layout

    private static final int[] TIMM_STAGE = {0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4};
    private static final int[] TIMM_INDEX = {0, 0, 1, 0, 1, 0, 1, 2, 3, 4, 5, 0, 1};

    /** timm's mobilenetv1 name of a reference state_dict key, written out independently of KeyLayout. */
    private static String timmName(String key) {
        if (key.startsWith("fc.")) {
            return "classifier." + key.substring(3);
        }
        String[] p = key.split("\\.");
        int block = Integer.parseInt(p[1]);
        int module = Integer.parseInt(p[2]);
        String field = key.substring(("model." + block + "." + module + ".").length());
        if (block == 0) {
            return (module == 0 ? "conv_stem." : "bn1.") + field;
        }
        String prefix = "blocks." + TIMM_STAGE[block - 1] + "." + TIMM_INDEX[block - 1] + ".";
        String sub = switch (module) {
            case 0 -> "conv_dw.";
            case 1 -> "bn1.";
            case 3 -> "conv_pw.";
            case 4 -> "bn2.";
            default -> throw new AssertionError(key);
        };
        return prefix + sub + field;
    }

    @Test
    void timmLayoutGivesTheReferenceModelsLogits() throws IOException {
        MobileNetV1.Builder builder = MobileNetV1.builder().widthMultiplier(0.25).resolution(96).classes(CLASSES);
        ModelConfig config = builder.config();
        Weights w = Weights.random(config, 7);
        assertEquals("blocks.3.5.bn2.running_var", timmName("model.11.4.running_var"));
        assertEquals("blocks.4.1.conv_pw.weight", timmName("model.13.3.weight"));
        assertEquals("bn1.bias", timmName("model.0.1.bias"));

        List<RawTensor> raw = new ArrayList<>();
        for (String name : w.names()) {
            raw.add(RawTensor.f32(timmName(name), w.tensor(name).shape(), w.tensor(name).values()));
            if (name.endsWith(".running_var")) {
                String t = timmName(name);
                raw.add(RawTensor.i64(t.substring(0, t.length() - "running_var".length()) + "num_batches_tracked", 7));
            }
        }
        Path file = dir.resolve("timm.safetensors");
        writeRaw(file, raw);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertTrue(st.contains("conv_stem.weight"));
            assertFalse(st.contains("model.0.0.weight"));
        }

        Weights loaded = Weights.load(file, config);
        assertEquals(w.names(), loaded.names(), "loaded under the reference names");

        float[] input = OrtReference.images(config, 2, 8, 1.0);
        float[] expected;
        try (OrtReference ort = OrtReference.of(config, w, false)) {
            expected = ort.run(input, 2);
        }
        try (MobileNetV1 model = builder.maxBatchSize(2).weights(file).build(); Session session = model.newSession()) {
            double err = OrtReference.assertClose(expected, session.run(input), "timm layout");
            System.out.printf("[WeightsTest] timm layout vs ORT (reference names): max abs diff %.3e%n", err);
        }
    }

    // ---------------------------------------------------------------- malformed files

    @Test
    void garbageFilesGiveIoExceptions() throws IOException {
        SplittableRandom random = new SplittableRandom(9);
        byte[] noise = new byte[4096];
        random.nextBytes(noise);
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, noise);
        assertSafetensorsException(() -> Weights.load(garbage, small()));
        assertSafetensorsException(() -> smallBuilder().weights(garbage).build());

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertSafetensorsException(() -> Weights.load(tiny, small()));

        // A plausible length prefix followed by bytes that are not JSON.
        byte[] notJson = new byte[8 + 64];
        ByteBuffer.wrap(notJson).order(ByteOrder.LITTLE_ENDIAN).putLong(64);
        for (int i = 8; i < notJson.length; i++) {
            notJson[i] = (byte) (random.nextInt(94) + 33);
        }
        notJson[8] = '{';
        Path badJson = dir.resolve("bad-json.safetensors");
        Files.write(badJson, notJson);
        assertSafetensorsException(() -> Weights.load(badJson, small()));

        // A valid header whose tensor data is cut short.
        Path valid = dir.resolve("valid.safetensors");
        Weights.random(small(), 10).save(valid, DType.F32, Map.of());
        byte[] bytes = Files.readAllBytes(valid);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        assertSafetensorsException(() -> Weights.load(truncated, small()));

        assertThrows(IOException.class, () -> Weights.load(dir.resolve("does-not-exist.safetensors"), small()));
    }

    private interface IoAction {
        Object run() throws IOException;
    }

    private static void assertSafetensorsException(IoAction action) {
        IOException e = assertThrows(IOException.class, action::run);
        assertInstanceOf(SafetensorsException.class, e, e.toString());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    // ---------------------------------------------------------------- random weights

    @Test
    void randomWeightsDependOnlyOnTheSeed() {
        ModelConfig config = small();
        Weights a = Weights.random(config, 42);
        Weights b = Weights.random(config, 42);
        Weights c = Weights.random(config, 43);
        assertEquals(a.names(), b.names());
        assertEquals(new ArrayList<>(Weights.expectedShapes(config).keySet()), a.names());
        int differing = 0;
        for (String name : a.names()) {
            assertArrayEquals(Weights.expectedShapes(config).get(name), a.tensor(name).shape(), name);
            assertArrayEquals(a.tensor(name).values(), b.tensor(name).values(), name);
            if (!Arrays.equals(a.tensor(name).values(), c.tensor(name).values())) {
                differing++;
            }
        }
        assertEquals(a.names().size(), differing, "another seed changes every tensor");
        assertEquals(config, a.config());
        // tensor() hands out copies
        a.tensor("fc.bias").values()[0] = 1e9f;
        assertTrue(a.tensor("fc.bias").values()[0] != 1e9f);
    }

    // ---------------------------------------------------------------- builder validation

    @Test
    void builderRejectsBadParameters() {
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(0), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(-0.5), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(0.01), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(Double.NaN), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().resolution(0), "resolution");
        assertRejected(() -> MobileNetV1.builder().resolution(-3), "resolution");
        assertRejected(() -> MobileNetV1.builder().classes(0), "classes");
        assertRejected(() -> MobileNetV1.builder().maxBatchSize(0), "batch size");
    }

    private static void assertRejected(Supplier<MobileNetV1.Builder> builder, String parameter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.get().build());
        assertTrue(e.getMessage().contains(parameter), "message should name " + parameter + ": " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.get().config());
    }

    // ---------------------------------------------------------------- a hand-written safetensors writer

    private record RawTensor(String name, String dtype, long[] shape, byte[] data) {
        static RawTensor f32(String name, long[] shape, float[] values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            return new RawTensor(name, "F32", shape, b.array());
        }

        static RawTensor i64(String name, long value) {
            return new RawTensor(name, "I64", new long[0],
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }
    }

    /** Header JSON padded with spaces to a multiple of 8, then the data in list order. */
    private static void writeRaw(Path file, List<RawTensor> tensors) throws IOException {
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (RawTensor t : tensors) {
            assertTrue(seen.put(t.name(), true) == null, "duplicate " + t.name());
            if (json.length() > 1) {
                json.append(',');
            }
            StringBuilder shape = new StringBuilder();
            for (long d : t.shape()) {
                shape.append(shape.isEmpty() ? "" : ",").append(d);
            }
            json.append('"').append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":[")
                    .append(shape).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + t.data().length).append("]}");
            offset += t.data().length;
        }
        json.append('}');
        while (json.length() % 8 != 0) {
            json.append(' ');
        }
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        for (RawTensor t : tensors) {
            out.writeBytes(t.data());
        }
        Files.write(file, out.toByteArray());
    }
}
