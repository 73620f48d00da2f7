package io.github.mobilenetj.nn;

/**
 * Obviously-correct reference implementations over NCHW float arrays, in double precision,
 * written independently of the library so the tests have something to compare against.
 */
final class Naive {
    private Naive() {
    }

    /** PyTorch Conv2d semantics; weights [out][in/groups][kh][kw]; bias may be null. */
    static float[] conv2d(float[] x, int n, int cin, int h, int w, float[] weights, float[] bias, int cout, int kh, int kw,
            int stride, int padTop, int padLeft, int padBottom, int padRight, int groups) {
        int oh = (h + padTop + padBottom - kh) / stride + 1;
        int ow = (w + padLeft + padRight - kw) / stride + 1;
        int cinPerGroup = cin / groups;
        int coutPerGroup = cout / groups;
        float[] y = new float[n * cout * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < cout; o++) {
                int g = o / coutPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < cinPerGroup; ci++) {
                            int c = g * cinPerGroup + ci;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * stride - padTop + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * stride - padLeft + kx;
                                    if (ix < 0 || ix >= w) continue;
                                    sum += (double) x[((b * cin + c) * h + iy) * w + ix]
                                            * weights[((o * cinPerGroup + ci) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        y[((b * cout + o) * oh + oy) * ow + ox] = (float) sum;
                    }
                }
            }
        }
        return y;
    }

    /** Eval-mode BatchNorm2d over NCHW. */
    static float[] batchNorm(float[] x, int n, int c, int hw, BatchNorm bn) {
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double inv = 1.0 / Math.sqrt((double) bn.variance()[ch] + bn.epsilon());
                for (int i = 0; i < hw; i++) {
                    int idx = (b * c + ch) * hw + i;
                    y[idx] = (float) ((x[idx] - (double) bn.mean()[ch]) * inv * bn.gamma()[ch] + bn.beta()[ch]);
                }
            }
        }
        return y;
    }

    static float[] activate(float[] x, Activation a) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            switch (a) {
                case NONE -> { }
                case RELU -> y[i] = Math.max(y[i], 0f);
                case RELU6 -> y[i] = Math.min(Math.max(y[i], 0f), 6f);
            }
        }
        return y;
    }

    static float[] globalAvgPool(float[] x, int n, int c, int hw) {
        float[] y = new float[n * c];
        for (int i = 0; i < n * c; i++) {
            double sum = 0;
            for (int j = 0; j < hw; j++) {
                sum += x[i * hw + j];
            }
            y[i] = (float) (sum / hw);
        }
        return y;
    }

    /** y[b][o] = sum_i x[b][i] * w[o][i] + bias[o]. */
    static float[] linear(float[] x, int n, int in, float[] w, float[] bias, int out) {
        float[] y = new float[n * out];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[b * in + i] * w[o * in + i];
                }
                y[b * out + o] = (float) sum;
            }
        }
        return y;
    }

    static float[] softmax(float[] x, int n, int c) {
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < c; i++) max = Math.max(max, x[b * c + i]);
            double sum = 0;
            for (int i = 0; i < c; i++) sum += Math.exp(x[b * c + i] - max);
            for (int i = 0; i < c; i++) y[b * c + i] = (float) (Math.exp(x[b * c + i] - max) / sum);
        }
        return y;
    }

    /** NCHW to NHWC. */
    static float[] toNhwc(float[] x, int n, int c, int h, int w) {
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        y[((b * h + i) * w + j) * c + ch] = x[((b * c + ch) * h + i) * w + j];
        return y;
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
