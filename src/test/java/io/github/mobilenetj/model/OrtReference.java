package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.NaiveMobileNet;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Test support: the independent engine (ONNX Runtime running the hand-written ONNX model of the
 * reference package) fed with the same tensors as a {@link MobileNetV1}.
 */
final class OrtReference implements AutoCloseable {

    private final MobileNetSpec spec;
    private final boolean nhwc;
    private final OnnxRuntimeRunner runner;

    private OrtReference(MobileNetSpec spec, boolean nhwc, OnnxRuntimeRunner runner) {
        this.spec = spec;
        this.nhwc = nhwc;
        this.runner = runner;
    }

    /** An ORT session for the model that {@code config} describes, holding the tensors of {@code weights}. */
    static OrtReference of(ModelConfig config, Weights weights, boolean nhwcInput) {
        return of(specOf(config), name -> weights.values(name), nhwcInput);
    }

    static OrtReference of(MobileNetSpec spec, Function<String, float[]> weights, boolean nhwcInput) {
        byte[] model = OnnxMobileNetWriter.write(spec, weights, nhwcInput, false);
        return new OrtReference(spec, nhwcInput, new OnnxRuntimeRunner(model, 1));
    }

    /** The reference package's description of the network {@code config} defines. */
    static MobileNetSpec specOf(ModelConfig config) {
        MobileNetSpec.Activation act = switch (config.activation()) {
            case RELU -> MobileNetSpec.Activation.RELU;
            case RELU6 -> MobileNetSpec.Activation.RELU6;
        };
        return new MobileNetSpec(config.widthMultiplier(), config.resolution(), config.inChannels(), config.classes(),
                act, config.batchNormEpsilon());
    }

    /** Logits for {@code batch} images given in the layout this reference was made for. */
    float[] run(float[] images, int batch) {
        int c = spec.inChannels();
        int r = spec.resolution();
        return nhwc ? runner.run(images, batch, r, r, c) : runner.run(images, batch, c, r, r);
    }

    @Override
    public void close() {
        runner.close();
    }

    /** Standard-normal NCHW images times {@code scale}. */
    static float[] images(ModelConfig config, int batch, long seed, double scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[batch * config.inChannels() * config.resolution() * config.resolution()];
        for (int i = 0; i < x.length; i++) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            x[i] = (float) (scale * Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return x;
    }

    static float[] toNhwc(float[] nchw, ModelConfig config, int batch) {
        int r = config.resolution();
        return NaiveMobileNet.nchwToNhwc(nchw, batch, config.inChannels(), r, r);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths differ");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Asserts {@code max |expected - actual| <= 1e-4 * max |expected|} and returns the max abs difference. */
    static double assertClose(float[] expected, float[] actual, String label) {
        double err = maxAbsDiff(expected, actual);
        double scale = maxAbs(expected);
        assertTrue(scale > 0, label + ": the reference logits are all zero");
        assertTrue(err <= 1e-4 * scale, label + ": max abs error " + err + " > 1e-4 * max |logit| " + scale);
        return err;
    }

    static Activation activation(MobileNetSpec.Activation a) {
        return a == MobileNetSpec.Activation.RELU ? Activation.RELU : Activation.RELU6;
    }
}
