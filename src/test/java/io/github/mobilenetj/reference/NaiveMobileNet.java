package io.github.mobilenetj.reference;

import java.util.function.Function;

/**
 * An obviously-correct, slow MobileNetV1 forward pass in plain Java: naive loops over NCHW float arrays,
 * accumulating in double and rounding to float after every layer (as a float32 engine stores activations).
 * BatchNorm is evaluated exactly as PyTorch does in eval mode, unfolded: {@code (x - mean) / sqrt(var + eps) * gamma + beta}.
 *
 * <p>The static helpers work on single layers for other tests. All tensors are dense row-major float arrays;
 * activations are NCHW ({@code x[((b * C + c) * H + y) * W + x]}), outputs are freshly allocated.
 */
public final class NaiveMobileNet {

    private final MobileNetSpec spec;
    private final Function<String, float[]> weights;

    /**
     * @param spec    the network shape
     * @param weights state_dict lookup by PyTorch key (see {@link MobileNetSpec#stateDict()}); every tensor's length
     *                is checked against its shape here
     */
    public NaiveMobileNet(MobileNetSpec spec, Function<String, float[]> weights) {
        this.spec = spec;
        this.weights = weights;
        for (MobileNetSpec.Param p : spec.stateDict()) {
            tensor(weights, p.key(), p.numel());
        }
    }

    public MobileNetSpec spec() {
        return spec;
    }

    /**
     * Runs the network.
     *
     * @param input NCHW input of shape [batch, inChannels, resolution, resolution]
     * @param batch the batch size
     * @return logits [batch, classes]
     */
    public float[] forward(float[] input, int batch) {
        return linearHead(features(input, batch), batch);
    }

    /**
     * Everything before the classifier: the 27 conv + BN + activation layers and the global average.
     *
     * @return pooled features [batch, c(1024)]
     */
    public float[] features(float[] input, int batch) {
        int size = spec.resolution();
        int channels = spec.inChannels();
        if (input.length != batch * channels * size * size) {
            throw new IllegalArgumentException("input length " + input.length + " != " + batch + "x" + channels + "x" + size + "x" + size);
        }
        float[] x = input;
        for (MobileNetSpec.ConvLayer layer : spec.convLayers()) {
            float[] w = tensor(weights, layer.name() + ".weight", 0);
            x = conv2d(x, batch, channels, size, size, w, null, layer.out(), layer.kernel(), layer.kernel(),
                    layer.stride(), layer.pad(), layer.groups());
            size = layer.outSize(size);
            channels = layer.out();
            String bn = layer.bnName();
            x = batchNorm(x, batch, channels, size * size,
                    tensor(weights, bn + ".weight", 0), tensor(weights, bn + ".bias", 0),
                    tensor(weights, bn + ".running_mean", 0), tensor(weights, bn + ".running_var", 0),
                    spec.bnEpsilon());
            x = spec.activation() == MobileNetSpec.Activation.RELU6 ? relu6(x) : relu(x);
        }
        return globalAvgPool(x, batch, channels, size * size);
    }

    private float[] linearHead(float[] features, int batch) {
        return linear(features, batch, spec.featureChannels(), tensor(weights, "fc.weight", 0),
                tensor(weights, "fc.bias", 0), spec.classes());
    }

    private static float[] tensor(Function<String, float[]> weights, String key, int expectedLength) {
        float[] t = weights.apply(key);
        if (t == null) throw new IllegalArgumentException("missing weight " + key);
        if (expectedLength > 0 && t.length != expectedLength) {
            throw new IllegalArgumentException(key + " has " + t.length + " values, expected " + expectedLength);
        }
        return t;
    }

    // ---------------------------------------------------------------- single-layer helpers

    /** Output size of a convolution: {@code (in + 2 * pad - kernel) / stride + 1}. */
    public static int convOutSize(int in, int kernel, int stride, int pad) {
        return (in + 2 * pad - kernel) / stride + 1;
    }

    /**
     * 2-D convolution (cross-correlation, as PyTorch's Conv2d) with groups, square stride, symmetric zero padding.
     *
     * @param x      input [n, cIn, h, w]
     * @param n      batch
     * @param cIn    input channels (divisible by groups)
     * @param h      input height
     * @param w      input width
     * @param weight [cOut, cIn / groups, kh, kw]
     * @param bias   [cOut], or null for none
     * @param cOut   output channels (divisible by groups)
     * @param kh     kernel height
     * @param kw     kernel width
     * @param stride stride in both directions
     * @param pad    zero padding on all four sides
     * @param groups groups (1 = dense, cIn = depthwise)
     * @return [n, cOut, oh, ow] with oh = (h + 2 pad - kh) / stride + 1, ow likewise
     */
    public static float[] conv2d(float[] x, int n, int cIn, int h, int w, float[] weight, float[] bias,
                                 int cOut, int kh, int kw, int stride, int pad, int groups) {
        return conv2d(x, n, cIn, h, w, weight, bias, cOut, kh, kw, stride, pad, pad, pad, pad, groups);
    }

    /** {@link #conv2d(float[], int, int, int, int, float[], float[], int, int, int, int, int, int)} with padding per side. */
    public static float[] conv2d(float[] x, int n, int cIn, int h, int w, float[] weight, float[] bias,
                                 int cOut, int kh, int kw, int stride, int padTop, int padLeft, int padBottom,
                                 int padRight, int groups) {
        if (groups < 1 || cIn % groups != 0 || cOut % groups != 0) {
            throw new IllegalArgumentException("channels " + cIn + "->" + cOut + " not divisible by groups " + groups);
        }
        int inPerGroup = cIn / groups;
        int outPerGroup = cOut / groups;
        check(x, (long) n * cIn * h * w, "x");
        check(weight, (long) cOut * inPerGroup * kh * kw, "weight");
        if (bias != null) check(bias, cOut, "bias");
        int oh = (h + padTop + padBottom - kh) / stride + 1;
        int ow = (w + padLeft + padRight - kw) / stride + 1;
        float[] y = new float[n * cOut * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < cOut; oc++) {
                int g = oc / outPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias == null ? 0 : bias[oc];
                        for (int icg = 0; icg < inPerGroup; icg++) {
                            int ic = g * inPerGroup + icg;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * stride - padTop + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * stride - padLeft + kx;
                                    if (ix < 0 || ix >= w) continue;
                                    acc += (double) x[((b * cIn + ic) * h + iy) * w + ix]
                                            * weight[((oc * inPerGroup + icg) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        y[((b * cOut + oc) * oh + oy) * ow + ox] = (float) acc;
                    }
                }
            }
        }
        return y;
    }

    /**
     * BatchNorm in eval mode, per channel: {@code (x - mean) / sqrt(var + eps) * gamma + beta}, computed in double.
     *
     * @param x  [n, c, hw] (any NCHW tensor with hw = h * w)
     * @param n  batch
     * @param c  channels
     * @param hw spatial elements per channel
     * @return same shape as x
     */
    public static float[] batchNorm(float[] x, int n, int c, int hw, float[] gamma, float[] beta,
                                    float[] mean, float[] var, double eps) {
        check(x, (long) n * c * hw, "x");
        check(gamma, c, "gamma");
        check(beta, c, "beta");
        check(mean, c, "mean");
        check(var, c, "var");
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double denom = Math.sqrt((double) var[ch] + eps);
                int base = (b * c + ch) * hw;
                for (int i = 0; i < hw; i++) {
                    y[base + i] = (float) (((double) x[base + i] - mean[ch]) / denom * gamma[ch] + beta[ch]);
                }
            }
        }
        return y;
    }

    /** max(x, 0), elementwise. */
    public static float[] relu(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0f;
        return y;
    }

    /** min(max(x, 0), 6), elementwise. */
    public static float[] relu6(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] > 0 ? Math.min(x[i], 6f) : 0f;
        return y;
    }

    /**
     * Mean over the spatial positions of each channel.
     *
     * @param x  [n, c, hw]
     * @return [n, c]
     */
    public static float[] globalAvgPool(float[] x, int n, int c, int hw) {
        check(x, (long) n * c * hw, "x");
        float[] y = new float[n * c];
        for (int i = 0; i < n * c; i++) {
            double sum = 0;
            for (int j = 0; j < hw; j++) sum += x[i * hw + j];
            y[i] = (float) (sum / hw);
        }
        return y;
    }

    /**
     * Fully connected layer as PyTorch's Linear: {@code y = x W^T + b}.
     *
     * @param x      [n, in]
     * @param weight [out, in]
     * @param bias   [out], or null for none
     * @return [n, out]
     */
    public static float[] linear(float[] x, int n, int in, float[] weight, float[] bias, int out) {
        check(x, (long) n * in, "x");
        check(weight, (long) out * in, "weight");
        if (bias != null) check(bias, out, "bias");
        float[] y = new float[n * out];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) acc += (double) x[b * in + i] * weight[o * in + i];
                y[b * out + o] = (float) acc;
            }
        }
        return y;
    }

    /**
     * Softmax over each row, numerically stable (max subtracted).
     *
     * @param logits [n, classes]
     * @return [n, classes] probabilities
     */
    public static float[] softmax(float[] logits, int n, int classes) {
        check(logits, (long) n * classes, "logits");
        float[] p = new float[logits.length];
        for (int b = 0; b < n; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) max = Math.max(max, logits[b * classes + k]);
            double sum = 0;
            double[] e = new double[classes];
            for (int k = 0; k < classes; k++) {
                e[k] = Math.exp(logits[b * classes + k] - max);
                sum += e[k];
            }
            for (int k = 0; k < classes; k++) p[b * classes + k] = (float) (e[k] / sum);
        }
        return p;
    }

    /** Reorders [n, c, h, w] to [n, h, w, c]. */
    public static float[] nchwToNhwc(float[] x, int n, int c, int h, int w) {
        check(x, (long) n * c * h * w, "x");
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        y[((b * h + i) * w + j) * c + ch] = x[((b * c + ch) * h + i) * w + j];
        return y;
    }

    /** Reorders [n, h, w, c] to [n, c, h, w]. */
    public static float[] nhwcToNchw(float[] x, int n, int c, int h, int w) {
        check(x, (long) n * c * h * w, "x");
        float[] y = new float[x.length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                        y[((b * c + ch) * h + i) * w + j] = x[((b * h + i) * w + j) * c + ch];
        return y;
    }

    private static void check(float[] a, long expected, String what) {
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(what + " has " + (a == null ? "no" : a.length) + " values, expected " + expected);
        }
    }
}
