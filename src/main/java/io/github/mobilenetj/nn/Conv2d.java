package io.github.mobilenetj.nn;

import java.util.Objects;

/**
 * A 2-D convolution with groups: standard ({@code groups = 1}), depthwise
 * ({@code groups = in = out}) or anything between, with an optional bias and a fused activation.
 *
 * <p>Weights are PyTorch's layout {@code [out][in / groups][kernelH][kernelW]}, row-major.
 */
public final class Conv2d implements Layer {

    private final int inChannels;
    private final int outChannels;
    private final int kernelH;
    private final int kernelW;
    private final int strideH;
    private final int strideW;
    private final int padTop;
    private final int padLeft;
    private final int padBottom;
    private final int padRight;
    private final int groups;
    private final float[] weights;
    private final float[] bias;
    private final Activation activation;

    private Conv2d(Builder b) {
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernelH = b.kernelH;
        this.kernelW = b.kernelW;
        this.strideH = b.strideH;
        this.strideW = b.strideW;
        this.padTop = b.padTop;
        this.padLeft = b.padLeft;
        this.padBottom = b.padBottom;
        this.padRight = b.padRight;
        this.groups = b.groups;
        this.weights = b.weights.clone();
        this.bias = b.bias == null ? null : b.bias.clone();
        this.activation = b.activation;
    }

    /** Starts a convolution from {@code inChannels} to {@code outChannels}. */
    public static Builder builder(int inChannels, int outChannels) {
        return new Builder(inChannels, outChannels);
    }

    /** A depthwise convolution: one {@code kernel x kernel} filter per channel. */
    public static Builder depthwise(int channels, int kernel) {
        return new Builder(channels, channels).kernel(kernel).groups(channels);
    }

    /** A pointwise (1x1) convolution. */
    public static Builder pointwise(int inChannels, int outChannels) {
        return new Builder(inChannels, outChannels).kernel(1);
    }

    /**
     * This convolution with batch normalization folded in, computed in double precision:
     * w' = w * gamma / sqrt(var + eps), b' = beta + (b - mean) * gamma / sqrt(var + eps).
     */
    public Conv2d foldBatchNorm(BatchNorm bn) {
        Objects.requireNonNull(bn, "bn");
        if (bn.channels() != outChannels) {
            throw new IllegalArgumentException("batch norm has " + bn.channels() + " channels but the convolution produces "
                    + outChannels);
        }
        int perFilter = weights.length / outChannels;
        float[] beta = bn.beta();
        float[] mean = bn.mean();
        float[] w = new float[weights.length];
        float[] b = new float[outChannels];
        for (int o = 0; o < outChannels; o++) {
            double scale = bn.scale(o);
            for (int i = 0; i < perFilter; i++) {
                w[o * perFilter + i] = (float) (weights[o * perFilter + i] * scale);
            }
            double oldBias = bias == null ? 0.0 : bias[o];
            b[o] = (float) (beta[o] + (oldBias - mean[o]) * scale);
        }
        return toBuilder().weights(w).bias(b).build();
    }

    /** This convolution with another fused activation. */
    public Conv2d withActivation(Activation newActivation) {
        return toBuilder().activation(newActivation).build();
    }

    private Builder toBuilder() {
        return new Builder(inChannels, outChannels).kernel(kernelH, kernelW).stride(strideH, strideW)
                .padding(padTop, padLeft, padBottom, padRight).groups(groups).weights(weights).bias(bias)
                .activation(activation);
    }

    @Override
    public String kind() {
        if (groups == 1) {
            return kernelH == 1 && kernelW == 1 ? "Conv2d 1x1" : "Conv2d";
        }
        return groups == inChannels && groups == outChannels ? "Conv2d dw" : "Conv2d g" + groups;
    }

    @Override
    public Shape outputShape(Shape input) {
        Objects.requireNonNull(input, "input");
        if (input.channels() != inChannels) {
            throw new IllegalArgumentException(kind() + " expects " + inChannels + " input channels, got input shape " + input);
        }
        long h = (long) input.height() + padTop + padBottom - kernelH;
        long w = (long) input.width() + padLeft + padRight - kernelW;
        if (h < 0 || w < 0) {
            throw new IllegalArgumentException(kind() + " kernel " + kernelH + "x" + kernelW + " with padding is larger than the "
                    + input.height() + "x" + input.width() + " input " + input);
        }
        return new Shape(input.batch(), outChannels, (int) (h / strideH + 1), (int) (w / strideW + 1));
    }

    @Override
    public long parameterCount() {
        return weights.length + (bias == null ? 0 : bias.length);
    }

    @Override
    public long multiplyAdds(Shape input) {
        Shape out = outputShape(input);
        return out.elementCount() * (long) (inChannels / groups) * kernelH * kernelW;
    }

    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }
    public int kernelH() { return kernelH; }
    public int kernelW() { return kernelW; }
    public int strideH() { return strideH; }
    public int strideW() { return strideW; }
    public int padTop() { return padTop; }
    public int padLeft() { return padLeft; }
    public int padBottom() { return padBottom; }
    public int padRight() { return padRight; }
    public int groups() { return groups; }
    public Activation activation() { return activation; }
    public boolean hasBias() { return bias != null; }

    /** A copy of the weights, {@code [out][in / groups][kh][kw]}. */
    public float[] weights() { return weights.clone(); }

    /** A copy of the bias, or null. */
    public float[] bias() { return bias == null ? null : bias.clone(); }

    float[] weightsView() { return weights; }
    float[] biasView() { return bias; }

    /** Builds a {@link Conv2d}; every problem is reported by {@link #build()} before any native call. */
    public static final class Builder {
        private final int inChannels;
        private final int outChannels;
        private int kernelH = 3;
        private int kernelW = 3;
        private int strideH = 1;
        private int strideW = 1;
        private int padTop;
        private int padLeft;
        private int padBottom;
        private int padRight;
        private int groups = 1;
        private float[] weights;
        private float[] bias;
        private Activation activation = Activation.NONE;

        private Builder(int inChannels, int outChannels) {
            this.inChannels = inChannels;
            this.outChannels = outChannels;
        }

        public Builder kernel(int size) { return kernel(size, size); }
        public Builder kernel(int height, int width) { kernelH = height; kernelW = width; return this; }
        public Builder stride(int stride) { return stride(stride, stride); }
        public Builder stride(int height, int width) { strideH = height; strideW = width; return this; }
        public Builder padding(int pad) { return padding(pad, pad, pad, pad); }

        /** Asymmetric padding, as TensorFlow's "same" padding needs for stride 2. */
        public Builder padding(int top, int left, int bottom, int right) {
            padTop = top; padLeft = left; padBottom = bottom; padRight = right;
            return this;
        }

        public Builder groups(int g) { groups = g; return this; }
        public Builder weights(float[] w) { weights = w; return this; }
        public Builder bias(float[] b) { bias = b; return this; }

        public Builder activation(Activation a) {
            activation = Objects.requireNonNull(a, "activation");
            return this;
        }

        public Conv2d build() {
            requirePositive("inChannels", inChannels);
            requirePositive("outChannels", outChannels);
            requirePositive("kernel height", kernelH);
            requirePositive("kernel width", kernelW);
            requirePositive("stride height", strideH);
            requirePositive("stride width", strideW);
            requirePositive("groups", groups);
            if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
                throw new IllegalArgumentException("padding must be >= 0, got top " + padTop + ", left " + padLeft
                        + ", bottom " + padBottom + ", right " + padRight);
            }
            if (inChannels % groups != 0 || outChannels % groups != 0) {
                throw new IllegalArgumentException("groups (" + groups + ") must divide both input channels (" + inChannels
                        + ") and output channels (" + outChannels + ")");
            }
            if (weights == null) {
                throw new NullPointerException("Conv2d " + inChannels + "->" + outChannels + ": weights are required");
            }
            long expected = (long) outChannels * (inChannels / groups) * kernelH * kernelW;
            if (weights.length != expected) {
                throw new IllegalArgumentException("Conv2d " + inChannels + "->" + outChannels + " groups " + groups + " kernel "
                        + kernelH + "x" + kernelW + " needs " + expected + " weights [" + outChannels + ", "
                        + inChannels / groups + ", " + kernelH + ", " + kernelW + "], got " + weights.length);
            }
            if (bias != null && bias.length != outChannels) {
                throw new IllegalArgumentException("Conv2d bias needs " + outChannels + " values, got " + bias.length);
            }
            return new Conv2d(this);
        }

        private static void requirePositive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("Conv2d " + what + " must be positive, got " + value);
            }
        }
    }
}
