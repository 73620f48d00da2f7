package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.image.PixelLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The acceptance test: {@link MobileNetV1} with seeded random weights against ONNX Runtime running
 * the independently written ONNX model that holds the same tensors, for three (α, resolution)
 * pairs, batch 1 and 4, NCHW and NHWC input, ReLU and ReLU6.
 *
 * <p>α 1.0 at 224 runs two models (NCHW + ReLU, NHWC + ReLU6), each at batch 1 and 4, so every
 * value of every dimension is covered; the two smaller pairs run the full cross product.
 */
class OnnxCrossCheckTest {

    private static final int MAX_BATCH = 4;
    private static final int CLASSES = 1000;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of(1.0, 224, PixelLayout.CHW, Activation.RELU));
        cases.add(Arguments.of(1.0, 224, PixelLayout.HWC, Activation.RELU6));
        for (double[] ar : new double[][] {{0.5, 160}, {0.25, 128}}) {
            for (PixelLayout layout : PixelLayout.values()) {
                for (Activation act : new Activation[] {Activation.RELU, Activation.RELU6}) {
                    cases.add(Arguments.of(ar[0], (int) ar[1], layout, act));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "α {0}, {1}x{1}, {2}, {3}")
    @MethodSource("cases")
    void logitsMatchOnnxRuntime(double alpha, int resolution, PixelLayout layout, Activation activation) throws Exception {
        MobileNetV1.Builder builder = MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution)
                .classes(CLASSES).activation(activation).inputLayout(layout).maxBatchSize(MAX_BATCH);
        ModelConfig config = builder.config();
        long seed = Double.doubleToLongBits(alpha) ^ resolution;
        Weights weights = Weights.random(config, seed);
        boolean nhwc = layout == PixelLayout.HWC;
        // Inputs scaled by 3 so that, through the ReLU6 models, many pre-activations exceed 6.
        double inputScale = 3.0;

        try (MobileNetV1 model = builder.from(weights);
             Session session = model.newSession();
             OrtReference ort = OrtReference.of(config, weights, nhwc)) {
            for (int batch : new int[] {1, MAX_BATCH}) {
                float[] nchw = OrtReference.images(config, batch, 1000 + batch, inputScale);
                float[] input = nhwc ? OrtReference.toNhwc(nchw, config, batch) : nchw;
                float[] expected = ort.run(input, batch);
                float[] actual = session.run(input);
                assertEquals(batch * CLASSES, actual.length);
                String label = String.format(Locale.ROOT, "α %s, %dx%d, %s, %s, batch %d", alpha, resolution, resolution,
                        layout, activation, batch);
                double err = OrtReference.assertClose(expected, actual, label);
                System.out.printf(Locale.ROOT, "[OnnxCrossCheck] %-34s max |ours - ORT| = %.3e (max |logit| %.4f, ratio %.2e)%n",
                        label, err, OrtReference.maxAbs(expected), err / OrtReference.maxAbs(expected));
                if (batch > 1) {
                    float[] first = Arrays.copyOfRange(expected, 0, CLASSES);
                    float[] second = Arrays.copyOfRange(expected, CLASSES, 2 * CLASSES);
                    assertTrue(OrtReference.maxAbsDiff(first, second) > 1e-2 * OrtReference.maxAbs(expected),
                            label + ": two different images give (nearly) the same logits; the check would be vacuous");
                }
                if (activation == Activation.RELU6 && batch == 1) {
                    assertReluSixClips(config, weights, nhwc, input, expected, label);
                }
            }
        }
    }

    /** ORT with ReLU instead of ReLU6 must give clearly other logits: some pre-activation was above 6. */
    private static void assertReluSixClips(ModelConfig config, Weights weights, boolean nhwc, float[] input,
            float[] relu6Logits, String label) {
        ModelConfig relu = new ModelConfig(config.widthMultiplier(), config.resolution(), config.classes(),
                config.inChannels(), Activation.RELU, config.batchNormEpsilon(), config.inputLayout(), config.maxBatchSize());
        float[] reluLogits;
        try (OrtReference ort = OrtReference.of(relu, weights, nhwc)) {
            reluLogits = ort.run(input, 1);
        }
        double diff = OrtReference.maxAbsDiff(reluLogits, relu6Logits);
        System.out.printf(Locale.ROOT, "[OnnxCrossCheck] %-34s ReLU vs ReLU6 logits differ by %.3e (ORT)%n", label, diff);
        assertTrue(diff > 1e-2 * OrtReference.maxAbs(relu6Logits),
                label + ": ReLU6 never clipped (ReLU and ReLU6 logits differ by only " + diff + ")");
    }

    static Stream<Arguments> otherConfigurations() {
        return Stream.of(
                // last feature map 2x2
                Arguments.of(0.25, 33, 3, 1e-5, Activation.RELU),
                // last feature map 1x1: the global average pool averages a single pixel
                Arguments.of(0.25, 32, 3, 1e-5, Activation.RELU),
                Arguments.of(0.25, 17, 3, 1e-5, Activation.RELU6),
                // grayscale input, TensorFlow's BatchNorm epsilon
                Arguments.of(0.25, 64, 1, 1e-3, Activation.RELU6),
                Arguments.of(0.75, 96, 3, 1e-3, Activation.RELU));
    }

    @ParameterizedTest(name = "α {0}, {1}x{1}, {2} channel(s), ε {3}, {4}")
    @MethodSource("otherConfigurations")
    void otherConfigurationsMatchOnnxRuntime(double alpha, int resolution, int inChannels, double epsilon,
            Activation activation) throws Exception {
        MobileNetV1.Builder builder = MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution).classes(10)
                .inChannels(inChannels).batchNormEpsilon(epsilon).activation(activation).maxBatchSize(2);
        ModelConfig config = builder.config();
        Weights weights = Weights.random(config, 77);
        float[] input = OrtReference.images(config, 2, 78, 3.0);
        try (OrtReference ort = OrtReference.of(config, weights, false);
             MobileNetV1 model = builder.from(weights);
             Session session = model.newSession()) {
            float[] expected = ort.run(input, 2);
            String label = String.format(Locale.ROOT, "α %s, %dx%d, %d ch, ε %s, %s, batch 2", alpha, resolution,
                    resolution, inChannels, epsilon, activation);
            double err = OrtReference.assertClose(expected, session.run(input), label);
            System.out.printf(Locale.ROOT, "[OnnxCrossCheck] %-44s max |ours - ORT| = %.3e (max |logit| %.4f)%n",
                    label, err, OrtReference.maxAbs(expected));
        }
    }
}
