package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.io.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quantized safetensors file: what an INT8 model writes loads back as the same model (bit-identical
 * logits, no calibration data needed), carries its provenance, and every way a file can be wrong is
 * refused with a message naming the problem.
 */
class QuantizedFileTest {

    @TempDir
    static Path dir;

    private static MobileNetV1.Builder builder;
    private static Weights weights;
    private static Path quantized;
    private static float[] input;
    private static float[] logits;

    @BeforeAll
    static void quantize() throws IOException {
        builder = MobileNetV1.builder().widthMultiplier(0.25).resolution(64).classes(10).maxBatchSize(2).threads(1);
        weights = Weights.random(builder.config(), 31);
        List<float[]> calibration = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calibration.add(OrtReference.images(builder.config(), 1, 100 + i, 1.0));
        }
        input = OrtReference.images(builder.config(), 2, 7, 1.0);
        quantized = dir.resolve("q.int8.safetensors");
        try (MobileNetV1 int8 = builder.precision(Precision.INT8)
                .calibration(Calibration.ofTensors(calibration).describedAs("eight N(0, 1) inputs")).from(weights);
                Session session = int8.newSession()) {
            assertEquals(Precision.INT8, int8.precision());
            logits = session.run(input);
            int8.saveQuantized(quantized);
        }
        builder = MobileNetV1.builder().maxBatchSize(2).threads(1); // settings from the file from here on
    }

    @Test
    void aSavedModelLoadsBackIdenticallyWithoutCalibration() throws IOException {
        try (MobileNetV1 loaded = builder.load(quantized); Session session = loaded.newSession()) {
            assertEquals(Precision.INT8, loaded.precision(), "a quantized file is INT8 by itself");
            assertEquals(0.25, loaded.config().widthMultiplier());
            assertArrayEquals(logits, session.run(input), "same codes, same scales, same kernels: same logits");
        }
        try (SafetensorsFile st = SafetensorsFile.open(quantized)) {
            Map<String, String> m = st.metadata();
            assertEquals("mobilenetj-quantized", m.get("format"));
            assertEquals("1", m.get("quantization_version"));
            assertEquals("minmax", m.get("calibration_method"));
            assertEquals("8", m.get("calibration_samples"));
            assertEquals("eight N(0, 1) inputs", m.get("calibration"));
            assertEquals("random weights (seed 31)", m.get("source_weights"));
            assertEquals(DType.I8, st.info("model.1.3.weight").dtype());
            assertEquals(DType.F32, st.info("model.1.3.weight_scale").dtype());
            assertArrayEquals(new long[] {1}, st.info("model.1.5.scale").shape());
            assertArrayEquals(new long[] {1}, st.info("input.scale").shape());
        }
    }

    @Test
    void floatModelsCannotBeSavedQuantizedAndQuantizedFilesAreNotFloat() throws IOException {
        try (MobileNetV1 fp32 = MobileNetV1.builder().widthMultiplier(0.25).resolution(32).classes(10).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fp32.saveQuantized(dir.resolve("x")));
            assertTrue(e.getMessage().contains("only INT8"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MobileNetV1.builder().precision(Precision.FP32).load(quantized));
        assertTrue(e.getMessage().contains("is a quantized (INT8) model"), e.getMessage());
        Path floats = dir.resolve("float.safetensors");
        weights.save(floats, DType.F32, Map.of());
        e = assertThrows(IllegalArgumentException.class,
                () -> MobileNetV1.builder().resolution(64).precision(Precision.INT8).load(floats));
        assertTrue(e.getMessage().contains("needs calibration data"), e.getMessage());
    }

    /** Rewrites the quantized file through {@code edit} (tensor list and metadata) and expects a refusal naming {@code fragment}. */
    private static void assertRefused(String name, UnaryOperator<List<NamedTensor>> edit, Map<String, String> metaChanges,
            String fragment) throws IOException {
        List<NamedTensor> tensors = new ArrayList<>();
        Map<String, String> metadata;
        try (SafetensorsFile st = SafetensorsFile.open(quantized)) {
            metadata = new LinkedHashMap<>(st.metadata());
            for (String t : st.names()) {
                DType type = st.info(t).dtype();
                float[] values;
                if (type == DType.I8) {
                    MemorySegment bytes = st.bytes(t);
                    values = new float[(int) bytes.byteSize()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = bytes.get(ValueLayout.JAVA_BYTE, i);
                    }
                } else {
                    values = st.readFloats(t);
                }
                tensors.add(new NamedTensor(t, type, st.info(t).shape(), values));
            }
        }
        metadata.putAll(metaChanges);
        metadata.values().removeIf(v -> v == null || v.isEmpty());
        Path file = dir.resolve(name + ".safetensors");
        SafetensorsWriter.write(file, metadata, edit.apply(tensors));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.load(file), name);
        assertTrue(e.getMessage().contains(fragment), name + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), name + ": " + e.getMessage());
    }

    private static UnaryOperator<List<NamedTensor>> replace(String name, float[] values) {
        return list -> list.stream().map(t -> t.name().equals(name) ? new NamedTensor(name, t.dtype(), t.shape(), values) : t)
                .toList();
    }

    @Test
    void malformedFilesAreRefusedNamingTheProblem() throws IOException {
        assertRefused("missing", list -> list.stream().filter(t -> !t.name().equals("model.3.5.scale")).toList(), Map.of(),
                "'model.3.5.scale' is missing");
        assertRefused("extra", list -> {
            List<NamedTensor> more = new ArrayList<>(list);
            more.add(new NamedTensor("model.3.9.scale", new long[] {1}, new float[] {1}));
            return more;
        }, Map.of(), "'model.3.9.scale' is not a tensor of a quantized MobileNetV1");
        assertRefused("zero-scale", replace("input.scale", new float[] {0f}), Map.of(), "'input.scale' = 0.0");
        assertRefused("nan-weight-scale", list -> list.stream().map(t -> t.name().equals("fc.weight_scale")
                ? new NamedTensor(t.name(), t.shape(), nanAt(t.values(), 3)) : t).toList(), Map.of(),
                "'fc.weight_scale'[3] = NaN");
        assertRefused("version", UnaryOperator.identity(), Map.of("quantization_version", "2"), "quantization_version is 2");
        // under ReLU6 an output scale of 1 would spread 255 codes over 0..255, far past the cap of 6
        assertRefused("activation-range", replace("model.2.2.scale", new float[] {1f}), Map.of("activation", "relu6"),
                "covers more than the activation's range 0..6");
        assertRefused("codes-outside-range", UnaryOperator.identity(), Map.of("weight_max", "63"), "outside the weight range ±63");
    }

    private static float[] nanAt(float[] v, int i) {
        float[] c = v.clone();
        c[i] = Float.NaN;
        return c;
    }

    /** 7-bit requantization for CPUs without VNNI: codes within ±63, values within half a new step of the old ones. */
    @Test
    void requantizingToSevenBitsKeepsTheValues() {
        float[] codes = {127, -127, 64, 1, 0, -5, 3, 0, 0, 0};
        float[] scales = {0.01f, 0.5f};
        MemorySegment c = MemorySegment.ofArray(new byte[codes.length]);
        for (int i = 0; i < codes.length; i++) {
            c.set(ValueLayout.JAVA_BYTE, i, (byte) codes[i]);
        }
        MemorySegment s = MemorySegment.ofArray(scales.clone());
        QuantizedFile.requantize(c, s, 2, 127, 63);
        for (int row = 0; row < 2; row++) {
            float newScale = s.getAtIndex(ValueLayout.JAVA_FLOAT, row);
            for (int i = row * 5; i < row * 5 + 5; i++) {
                int q = c.get(ValueLayout.JAVA_BYTE, i);
                assertTrue(Math.abs(q) <= 63, "code " + q);
                assertTrue(Math.abs(q * newScale - codes[i] * scales[row]) <= newScale / 2 + 1e-7,
                        "value " + i + ": " + q * newScale + " vs " + codes[i] * scales[row]);
            }
        }
        assertEquals(127 * 0.01f / 63, s.getAtIndex(ValueLayout.JAVA_FLOAT, 0), 1e-9f);
        assertEquals(5 * 0.5f / 63, s.getAtIndex(ValueLayout.JAVA_FLOAT, 1), 1e-9f);
    }

    /** Weight quantization: scale = max |w| / 127 per row, codes rounded half to even and clamped; a zero row gets scale 1. */
    @Test
    void weightQuantizationByHand() {
        float[] w = {0.5f, -1.0f, 0.25f, 0.0f, 0f, 0f, 0f, 0f};
        MemorySegment codes = MemorySegment.ofArray(new byte[8]);
        MemorySegment scales = MemorySegment.ofArray(new float[2]);
        QuantizedParameters.quantizeRows(MemorySegment.ofArray(w), 2, 4, 127, codes, scales);
        assertEquals(1.0f / 127, scales.getAtIndex(ValueLayout.JAVA_FLOAT, 0), 0f);
        assertEquals(1.0f, scales.getAtIndex(ValueLayout.JAVA_FLOAT, 1), 0f);
        byte[] q = codes.toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(new byte[] {64, -127, 32, 0, 0, 0, 0, 0}, q, "0.5 * 127 = 63.5 rounds to the even 64; 31.75 to 32");
    }
}
