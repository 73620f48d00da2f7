package io.github.mobilenetj.nn;

import io.github.mobilenetj.reference.NaiveMobileNet;

/**
 * The naive reference ({@link NaiveMobileNet}: obviously-correct loops over NCHW in double
 * precision, independent of the library) adapted to this package's types, plus comparison helpers.
 */
final class Naive {
    private Naive() {
    }

    /** PyTorch Conv2d semantics; weights [out][in/groups][kh][kw]; bias may be null. */
    static float[] conv2d(float[] x, int n, int cin, int h, int w, float[] weights, float[] bias, int cout, int kh, int kw,
            int stride, int padTop, int padLeft, int padBottom, int padRight, int groups) {
        return NaiveMobileNet.conv2d(x, n, cin, h, w, weights, bias, cout, kh, kw, stride, padTop, padLeft, padBottom,
                padRight, groups);
    }

    /** Eval-mode BatchNorm2d over NCHW. */
    static float[] batchNorm(float[] x, int n, int c, int hw, BatchNorm bn) {
        return NaiveMobileNet.batchNorm(x, n, c, hw, bn.gamma(), bn.beta(), bn.mean(), bn.variance(), bn.epsilon());
    }

    /** The activation {@link Conv2d#reluCap()} describes: none (NaN), ReLU (+infinity), ReLU6 (6). */
    static float[] activate(float[] x, float reluCap) {
        if (Float.isNaN(reluCap)) {
            return x.clone();
        }
        if (reluCap == Float.POSITIVE_INFINITY) {
            return NaiveMobileNet.relu(x);
        }
        if (reluCap == 6f) {
            return NaiveMobileNet.relu6(x);
        }
        throw new IllegalArgumentException("no naive activation for cap " + reluCap);
    }

    /** The cases the tests use: no activation, ReLU, ReLU6. */
    static final float[] ACTIVATIONS = {Float.NaN, Float.POSITIVE_INFINITY, 6f};

    static Conv2d.Builder withActivation(Conv2d.Builder b, float reluCap) {
        if (Float.isNaN(reluCap)) {
            return b;
        }
        return reluCap == Float.POSITIVE_INFINITY ? b.relu() : b.relu(reluCap);
    }

    static String activationName(float reluCap) {
        return Float.isNaN(reluCap) ? "none" : reluCap == Float.POSITIVE_INFINITY ? "relu" : "relu" + (int) reluCap;
    }

    static float[] globalAvgPool(float[] x, int n, int c, int hw) {
        return NaiveMobileNet.globalAvgPool(x, n, c, hw);
    }

    /** y[b][o] = sum_i x[b][i] * w[o][i] + bias[o]. */
    static float[] linear(float[] x, int n, int in, float[] w, float[] bias, int out) {
        return NaiveMobileNet.linear(x, n, in, w, bias, out);
    }

    /** NCHW to NHWC. */
    static float[] toNhwc(float[] x, int n, int c, int h, int w) {
        return NaiveMobileNet.nchwToNhwc(x, n, c, h, w);
    }

    static float maxAbs(float[] x) {
        float m = 0;
        for (float v : x) m = Math.max(m, Math.abs(v));
        return m;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("length " + a.length + " != " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static float[] random(java.util.SplittableRandom r, int count, double scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }
}
