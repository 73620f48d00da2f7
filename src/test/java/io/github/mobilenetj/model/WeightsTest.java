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
import io.github.mobilenetj.reference.MobileNetSpec;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights files through the model: F32 / F16 / BF16, reference and timm names, settings read off
 * the tensors, every mismatch listed, non-finite values refused; each model's logits checked
 * against ONNX Runtime fed the same (rounded) tensors.
 */
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
    void f32FileGivesTheLogitsOfOnnxRuntime() throws IOException {
        assertRoundTrip(DType.F32, x -> x);
    }

    @Test
    void f16RoundTripRoundsLikeTheJdk() throws IOException {
        assertRoundTrip(DType.F16, x -> Float.float16ToFloat(Float.floatToFloat16((float) x)));
    }

    @Test
    void bf16RoundTripRoundsToNearestEven() throws IOException {
        assertRoundTrip(DType.BF16, x -> bf16((float) x));
    }

    /**
     * Saves random weights as {@code dtype}, checks the stored values are the originals rounded by
     * {@code rounding}, and that the model built from the file gives ONNX Runtime's logits for
     * those rounded values.
     */
    private void assertRoundTrip(DType dtype, DoubleUnaryOperator rounding) throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 2);
        Path file = dir.resolve(dtype + ".safetensors");
        w.save(file, dtype, Map.of("format", "pt"));
        Map<String, float[]> rounded = new LinkedHashMap<>();
        long changed = 0;
        long total = 0;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(dtype, st.info("model.0.0.weight").dtype());
            assertEquals("pt", st.metadata().get("format"));
            assertEquals(Architecture.of(config).tensorShapes().size(), st.names().size());
            for (String name : w.names()) {
                float[] original = w.values(name);
                float[] expected = new float[original.length];
                for (int i = 0; i < original.length; i++) {
                    expected[i] = (float) rounding.applyAsDouble(original[i]);
                    changed += expected[i] != original[i] ? 1 : 0;
                }
                total += original.length;
                assertArrayEquals(expected, st.readFloats(name), dtype + " " + name);
                rounded.put(name, expected);
            }
        }
        if (dtype != DType.F32) {
            assertTrue(changed > total / 2, "rounding to " + dtype + " changed only " + changed + " of " + total + " values");
        }
        float[] input = OrtReference.images(config, 1, 3, 1.0);
        try (MobileNetV1 model = MobileNetV1.builder().resolution(config.resolution()).load(file);
             Session session = model.newSession();
             OrtReference ort = OrtReference.of(OrtReference.specOf(config), rounded::get, false)) {
            assertEquals(config.widthMultiplier(), model.config().widthMultiplier(), "α read off the tensors");
            assertEquals(CLASSES, model.config().classes(), "classes read off the tensors");
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
    void everyMismatchIsListedInOneMessage() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 3);
        List<NamedTensor> list = new ArrayList<>();
        for (String name : w.names()) {
            if (name.equals("model.3.4.running_var") || name.equals("fc.bias")) {
                continue; // missing
            }
            long[] shape = name.equals("model.1.3.weight") ? new long[] {16, 8} : w.shape(name);
            list.add(new NamedTensor(name, shape, w.values(name)));
        }
        list.add(new NamedTensor("model.3.2.weight", new long[] {2}, new float[] {1, 2})); // unexpected
        Path file = dir.resolve("mismatch.safetensors");
        SafetensorsWriter.write(file, Map.of(), list);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> smallBuilder().load(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        assertTrue(m.contains("4 problem(s)"), m);
        assertTrue(m.contains("'model.3.4.running_var' is missing"), m);
        assertTrue(m.contains("'fc.bias' is missing"), m);
        assertTrue(m.contains("'model.3.2.weight' is not a tensor of this model"), m);
        assertTrue(m.contains("'model.1.3.weight' has shape [16, 8], expected [16, 8, 1, 1]"), m);
    }

    @Test
    void aWidthMismatchNamesEveryTensorThatDiffers() throws IOException {
        Path file = dir.resolve("half.safetensors");
        Weights.random(smallBuilder().widthMultiplier(0.5).config(), 6).save(file, DType.F32, null);
        // Read off the tensors, the file is α 0.5 and loads; asked for α 0.25, every conv and BatchNorm differs.
        try (MobileNetV1 model = MobileNetV1.builder().resolution(64).load(file)) {
            assertEquals(0.5, model.config().widthMultiplier());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> smallBuilder().load(file));
        String m = e.getMessage();
        long shapeProblems = m.split("has shape", -1).length - 1;
        assertTrue(shapeProblems >= ParameterLoader.PROBLEMS_SHOWN - 1, m);
        assertTrue(m.contains("more"), "the list is cut and says how many more: " + m);
        assertTrue(m.contains("'model.0.0.weight' has shape [16, 3, 3, 3], expected [8, 3, 3, 3]"), m);
        assertThrows(IllegalArgumentException.class, () -> smallBuilder().widthMultiplier(0.5).classes(11).load(file));
    }

    @Test
    void numBatchesTrackedIsIgnored() throws IOException {
        ModelConfig config = small();
        Weights w = Weights.random(config, 4);
        List<RawTensor> raw = new ArrayList<>();
        int counters = 0;
        for (String name : w.names()) {
            raw.add(RawTensor.f32(name, w.shape(name), w.values(name)));
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
        assertSameLogitsAsOrt(smallBuilder(), file, w::values, MobileNetSpec.Activation.RELU, "with num_batches_tracked");
    }

    @Test
    void nonFloatTensorsAreNamed() throws IOException {
        Weights w = Weights.random(small(), 4);
        List<RawTensor> raw = new ArrayList<>();
        for (String name : w.names()) {
            raw.add(name.equals("fc.bias") ? new RawTensor(name, "I32", new long[] {CLASSES}, new byte[CLASSES * 4])
                    : RawTensor.f32(name, w.shape(name), w.values(name)));
        }
        Path file = dir.resolve("int-bias.safetensors");
        writeRaw(file, raw);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> smallBuilder().load(file));
        assertTrue(e.getMessage().contains("'fc.bias' has dtype I32, expected F32, F16, BF16 or F64"), e.getMessage());
    }

    // ---------------------------------------------------------------- non-finite values

    @Test
    void nanAndInfiniteWeightsAreRefusedNamingTensorAndIndex() throws IOException {
        assertNonFiniteRefused("model.0.0.weight", 5, Float.NaN, "'model.0.0.weight' has NaN at index 5");
        assertNonFiniteRefused("model.2.1.weight", 3, Float.POSITIVE_INFINITY, "'model.2.1.weight' has Infinity at index 3");
        assertNonFiniteRefused("model.4.4.running_mean", 0, Float.NEGATIVE_INFINITY,
                "'model.4.4.running_mean' has -Infinity at index 0");
        assertNonFiniteRefused("fc.weight", 17, Float.NaN, "'fc.weight' has NaN at index 17");
        assertNonFiniteRefused("fc.bias", 9, Float.NaN, "'fc.bias' has NaN at index 9");
        // A variance that makes variance + eps <= 0 is refused too.
        assertNonFiniteRefused("model.7.1.running_var", 2, -1f, "'model.7.1.running_var'[2] = -1.0");
    }

    private void assertNonFiniteRefused(String tensor, int index, float value, String expected) throws IOException {
        Weights w = Weights.random(small(), 12);
        List<NamedTensor> list = new ArrayList<>();
        for (String name : w.names()) {
            float[] v = w.values(name);
            if (name.equals(tensor)) {
                v[index] = value;
            }
            list.add(new NamedTensor(name, w.shape(name), v));
        }
        Path file = dir.resolve("bad-" + tensor + ".safetensors");
        SafetensorsWriter.write(file, Map.of(), list);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> smallBuilder().load(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
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

    /** Writes {@code w} under timm's names, with timm's num_batches_tracked counters. */
    private Path writeTimm(Weights w, String fileName) throws IOException {
        List<RawTensor> raw = new ArrayList<>();
        for (String name : w.names()) {
            raw.add(RawTensor.f32(timmName(name), w.shape(name), w.values(name)));
            if (name.endsWith(".running_var")) {
                String t = timmName(name);
                raw.add(RawTensor.i64(t.substring(0, t.length() - "running_var".length()) + "num_batches_tracked", 7));
            }
        }
        Path file = dir.resolve(fileName);
        writeRaw(file, raw);
        return file;
    }

    /** timm's mobilenetv1_100 uses ReLU6: a file in timm's names gets it without being told. */
    @Test
    void timmNamesGiveTimmsReluSixModel() throws IOException {
        assertEquals("blocks.3.5.bn2.running_var", timmName("model.11.4.running_var"));
        assertEquals("blocks.4.1.conv_pw.weight", timmName("model.13.3.weight"));
        assertEquals("bn1.bias", timmName("model.0.1.bias"));
        MobileNetV1.Builder builder = MobileNetV1.builder().resolution(96).maxBatchSize(2);
        Weights w = Weights.random(MobileNetV1.builder().widthMultiplier(0.25).resolution(96).classes(CLASSES).config(), 7);
        Path file = writeTimm(w, "timm.safetensors");
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertTrue(st.contains("conv_stem.weight"));
            assertFalse(st.contains("model.0.0.weight"));
        }
        try (MobileNetV1 model = builder.load(file)) {
            assertEquals(Activation.RELU6, model.config().activation());
        }
        assertSameLogitsAsOrt(builder, file, w::values, MobileNetSpec.Activation.RELU6, "timm names, ReLU6 by default");
        // Set explicitly, the activation wins over the naming.
        assertSameLogitsAsOrt(MobileNetV1.builder().resolution(96).maxBatchSize(2).activation(Activation.RELU), file,
                w::values, MobileNetSpec.Activation.RELU, "timm names, ReLU set explicitly");
    }

    /** The model {@code builder} loads from {@code file} gives ORT's logits for {@code values} with {@code activation}. */
    private static void assertSameLogitsAsOrt(MobileNetV1.Builder builder, Path file, Function<String, float[]> values,
            MobileNetSpec.Activation activation, String what) throws IOException {
        try (MobileNetV1 model = builder.load(file); Session session = model.newSession()) {
            ModelConfig config = model.config();
            int batch = config.maxBatchSize();
            float[] input = OrtReference.images(config, batch, 8, 1.0);
            try (OrtReference ort = OrtReference.of(OrtReference.specOf(config).withActivation(activation), values, false)) {
                double err = OrtReference.assertClose(ort.run(input, batch), session.run(input), what);
                System.out.printf("[WeightsTest] %s vs ORT: max abs diff %.3e%n", what, err);
            }
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
        assertSafetensorsException(() -> smallBuilder().load(garbage));

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertSafetensorsException(() -> smallBuilder().load(tiny));

        // A plausible length prefix followed by bytes that are not JSON.
        byte[] notJson = new byte[8 + 64];
        ByteBuffer.wrap(notJson).order(ByteOrder.LITTLE_ENDIAN).putLong(64);
        for (int i = 8; i < notJson.length; i++) {
            notJson[i] = (byte) (random.nextInt(94) + 33);
        }
        notJson[8] = '{';
        Path badJson = dir.resolve("bad-json.safetensors");
        Files.write(badJson, notJson);
        assertSafetensorsException(() -> smallBuilder().load(badJson));

        // A valid header whose tensor data is cut short.
        Path valid = dir.resolve("valid.safetensors");
        Weights.random(small(), 10).save(valid, DType.F32, Map.of());
        byte[] bytes = Files.readAllBytes(valid);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        assertSafetensorsException(() -> smallBuilder().load(truncated));

        assertThrows(IOException.class, () -> smallBuilder().load(dir.resolve("does-not-exist.safetensors")));
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
        Map<String, long[]> shapes = Architecture.of(config).tensorShapes();
        assertEquals(new ArrayList<>(shapes.keySet()), a.names());
        int differing = 0;
        for (String name : a.names()) {
            assertArrayEquals(shapes.get(name), a.shape(name), name);
            assertArrayEquals(a.values(name), b.values(name), name);
            if (!Arrays.equals(a.values(name), c.values(name))) {
                differing++;
            }
        }
        assertEquals(a.names().size(), differing, "another seed changes every tensor");
        assertEquals(config, a.config());
        // values() hands out copies
        a.values("fc.bias")[0] = 1e9f;
        assertTrue(a.values("fc.bias")[0] != 1e9f);
    }

    // ---------------------------------------------------------------- builder validation

    @Test
    void builderRejectsBadParameters() {
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(0), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(-0.5), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(0.01), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(Double.NaN), "width multiplier");
        assertRejected(() -> MobileNetV1.builder().widthMultiplier(1e9), "width multiplier must be in (0, 4.0]");
        assertRejected(() -> MobileNetV1.builder().resolution(0), "resolution");
        assertRejected(() -> MobileNetV1.builder().resolution(-3), "resolution");
        assertRejected(() -> MobileNetV1.builder().resolution(100_000), "resolution must be in 1..2048");
        assertRejected(() -> MobileNetV1.builder().classes(0), "classes");
        assertRejected(() -> MobileNetV1.builder().classes(Integer.MAX_VALUE), "classes must be in 1..1048576");
        assertRejected(() -> MobileNetV1.builder().maxBatchSize(0), "batch size");
        assertRejected(() -> MobileNetV1.builder().maxBatchSize(Integer.MAX_VALUE), "batch size must be in 1..1024");
        assertRejected(() -> MobileNetV1.builder().inChannels(1 << 20), "input channels");
        assertRejected(() -> MobileNetV1.builder().batchNormEpsilon(Double.POSITIVE_INFINITY), "epsilon");
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> MobileNetV1.builder().threads(1000));
        assertTrue(threads.getMessage().contains("threads must be in 1.." + MobileNetV1.maxThreads()), threads.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MobileNetV1.builder().threads(0));
    }

    /** A configuration whose activation buffers would not fit the per-session limit is refused before any allocation. */
    @Test
    void oversizedWorkspacesAreRefusedUpFront() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MobileNetV1.builder().widthMultiplier(4).resolution(2048).maxBatchSize(1024).build());
        assertTrue(e.getMessage().contains("per session") && e.getMessage().contains("at most"), e.getMessage());
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
