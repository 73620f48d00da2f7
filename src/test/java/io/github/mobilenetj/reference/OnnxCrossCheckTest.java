package io.github.mobilenetj.reference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written ONNX model run by ONNX Runtime against the naive Java forward pass. */
class OnnxCrossCheckTest {

    private static final MobileNetSpec RGB32 = MobileNetSpec.of(0.25, 32, 10);
    private static final MobileNetSpec GRAY64 = MobileNetSpec.of(0.25, 64, 10).withInChannels(1);

    /** max |a - b| over all elements. */
    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (MobileNetSpec base : List.of(RGB32, GRAY64))
            for (MobileNetSpec.Activation act : MobileNetSpec.Activation.values())
                for (int batch : new int[] {1, 3})
                    for (boolean nhwc : new boolean[] {false, true})
                        for (boolean fold : new boolean[] {false, true})
                            cases.add(Arguments.of(base.withActivation(act), batch, nhwc, fold));
        // A Keras-style epsilon, to see that the attribute and the folding use it.
        cases.add(Arguments.of(RGB32.withActivation(MobileNetSpec.Activation.RELU6).withBnEpsilon(1e-3), 2, true, false));
        cases.add(Arguments.of(RGB32.withActivation(MobileNetSpec.Activation.RELU6).withBnEpsilon(1e-3), 2, false, true));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} batch={1} nhwc={2} fold={3}")
    @MethodSource("cases")
    void onnxRuntimeMatchesNaive(MobileNetSpec spec, int batch, boolean nhwc, boolean fold, TestReporter reporter) {
        Map<String, float[]> weights = RandomWeights.generate(spec, 1234);
        float[] input = RandomWeights.input(spec, batch, 99);
        float[] expected = new NaiveMobileNet(spec, weights::get).forward(input, batch);

        int c = spec.inChannels();
        int r = spec.resolution();
        byte[] model = OnnxMobileNetWriter.write(spec, weights::get, nhwc, fold);
        float[] actual;
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(model)) {
            actual = nhwc
                    ? ort.run(NaiveMobileNet.nchwToNhwc(input, batch, c, r, r), batch, r, r, c)
                    : ort.run(input, batch, c, r, r);
        }
        assertEquals(batch * spec.classes(), actual.length);
        double err = maxAbsDiff(expected, actual);
        double scale = Math.max(1, maxAbs(expected));
        reporter.publishEntry("maxAbsErr", err + " (max |logit| " + maxAbs(expected) + ")");
        assertTrue(err <= 1e-4 * scale, "max abs error " + err + " > 1e-4 * " + scale);
    }

    /** The cross-check means something only if the logits depend on the input, i.e. activations survived 27 layers. */
    @Test
    void logitsAreInputDependent() {
        for (MobileNetSpec spec : List.of(RGB32, GRAY64, RGB32.withActivation(MobileNetSpec.Activation.RELU6))) {
            Map<String, float[]> weights = RandomWeights.generate(spec, 1234);
            NaiveMobileNet net = new NaiveMobileNet(spec, weights::get);
            float[] features = net.features(RandomWeights.input(spec, 2, 99), 2);
            int f = spec.featureChannels();
            double mean = 0;
            int nonZero = 0;
            for (int i = 0; i < f; i++) {
                mean += features[i] / f;
                if (features[i] != 0) nonZero++;
            }
            assertTrue(mean > 0.05 && mean < 50, spec + ": mean pooled feature " + mean);
            assertTrue(nonZero > f / 4, spec + ": only " + nonZero + " of " + f + " features alive");
            float[] logits = net.forward(RandomWeights.input(spec, 2, 99), 2);
            float[] first = java.util.Arrays.copyOfRange(logits, 0, spec.classes());
            float[] second = java.util.Arrays.copyOfRange(logits, spec.classes(), 2 * spec.classes());
            assertTrue(maxAbsDiff(first, second) > 1e-2, spec + ": both images give the same logits");
        }
        // Some activations of the 64x64 model exceed 6, so its ReLU6 cases really test the clipping.
        float[] input = RandomWeights.input(GRAY64, 1, 99);
        Map<String, float[]> weights = RandomWeights.generate(GRAY64, 1234);
        float[] relu = new NaiveMobileNet(GRAY64, weights::get).forward(input, 1);
        float[] relu6 = new NaiveMobileNet(GRAY64.withActivation(MobileNetSpec.Activation.RELU6), weights::get).forward(input, 1);
        assertTrue(maxAbsDiff(relu, relu6) > 1e-2, "ReLU6 never clipped");
    }

    /** With all graph optimizations off ONNX Runtime runs the BatchNormalization nodes as written. */
    @Test
    void unoptimizedSessionAgreesWithFoldedModel() {
        MobileNetSpec spec = RGB32.withActivation(MobileNetSpec.Activation.RELU6);
        Map<String, float[]> weights = RandomWeights.generate(spec, 7);
        float[] input = RandomWeights.input(spec, 2, 8);
        float[] plain;
        float[] folded;
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxMobileNetWriter.write(spec, weights::get, false, false), 1,
                OrtSession.SessionOptions.OptLevel.NO_OPT)) {
            plain = ort.run(input, 2, 3, 32, 32);
        }
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxMobileNetWriter.write(spec, weights::get, false, true), 2)) {
            folded = ort.run(input, 2, 3, 32, 32);
        }
        float[] naive = new NaiveMobileNet(spec, weights::get).forward(input, 2);
        double scale = Math.max(1, maxAbs(naive));
        assertTrue(maxAbsDiff(naive, plain) <= 1e-4 * scale);
        assertTrue(maxAbsDiff(plain, folded) <= 1e-4 * scale);
    }

    @Test
    void modelSignature() throws OrtException {
        Map<String, float[]> weights = RandomWeights.generate(GRAY64, 3);
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(OnnxMobileNetWriter.write(GRAY64, weights::get, true, false))) {
            OrtSession session = ort.session();
            assertEquals(OnnxMobileNetWriter.PRODUCER, session.getMetadata().getProducerName());
            NodeInfo in = session.getInputInfo().get("input");
            NodeInfo out = session.getOutputInfo().get("logits");
            TensorInfo inInfo = (TensorInfo) in.getInfo();
            TensorInfo outInfo = (TensorInfo) out.getInfo();
            assertArrayEquals(new long[] {-1, 64, 64, 1}, inInfo.getShape());
            assertEquals("N", inInfo.getDimensionNames()[0]);
            assertArrayEquals(new long[] {-1, 10}, outInfo.getShape());
            assertEquals(1, session.getNumInputs(), "initializers must not show up as inputs");
        }
    }

    @Test
    void writerRejectsWrongWeights() {
        Map<String, float[]> weights = RandomWeights.generate(RGB32, 3);
        assertThrows(IllegalArgumentException.class,
                () -> OnnxMobileNetWriter.write(RGB32.withClasses(11), weights::get));
        assertThrows(IllegalArgumentException.class,
                () -> OnnxMobileNetWriter.write(RGB32, k -> k.equals("model.5.3.weight") ? null : weights.get(k)));
        assertThrows(IllegalArgumentException.class, () -> new NaiveMobileNet(GRAY64, weights::get));
    }

    @Test
    void foldingIsExactInDouble() {
        float[] w = {1, 2, 3, 4};
        float[][] f = OnnxMobileNetWriter.foldBatchNorm(w, 2, new float[] {2, 1}, new float[] {0.5f, -1},
                new float[] {1, 0}, new float[] {3, 0}, 1.0);
        // scale = 2 / sqrt(4) = 1 for channel 0, 1 / sqrt(1) = 1 for channel 1
        assertArrayEquals(new float[] {1, 2, 3, 4}, f[0]);
        assertArrayEquals(new float[] {-0.5f, -1}, f[1]);
    }
}
