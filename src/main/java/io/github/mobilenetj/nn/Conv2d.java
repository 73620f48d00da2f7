package io.github.mobilenetj.nn;

/**
 * A 2-D convolution with groups: standard ({@code groups = 1}), depthwise
 * ({@code groups = in = out}) or anything between, with an optional bias and an optional fused
 * ReLU, which may be capped (ReLU6 is a ReLU capped at 6).
 *
 * <p>Its weights are PyTorch's layout {@code [out][in / groups][kernelH][kernelW]}, row-major.
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
    private final boolean bias;
    /** NaN: no activation; +infinity: ReLU; otherwise ReLU capped at this value. */
    private final float reluCap;

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
        this.bias = b.bias;
        this.reluCap = b.reluCap;
    }

    /** Starts a convolution from {@code inChannels} to {@code outChannels} (3x3, stride 1, no padding). */
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

    @Override
    public String kind() {
        if (groups == 1) {
            return kernelH == 1 && kernelW == 1 ? "Conv2d 1x1" : "Conv2d";
        }
        return groups == inChannels && groups == outChannels ? "Conv2d dw" : "Conv2d g" + groups;
    }

    @Override
    public Shape outputShape(Shape input) {
        java.util.Objects.requireNonNull(input, "input");
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

    /** PyTorch's weight shape {@code [out, in / groups, kernelH, kernelW]}. */
    public long[] weightShape() {
        return new long[] {outChannels, inChannels / groups, kernelH, kernelW};
    }

    @Override
    public long parameterCount() {
        return (long) outChannels * (inChannels / groups) * kernelH * kernelW + (bias ? outChannels : 0);
    }

    @Override
    public long multiplyAdds(Shape input) {
        Shape out = outputShape(input);
        return Math.multiplyExact(out.elementCount(), (long) (inChannels / groups) * kernelH * kernelW);
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
    public boolean hasBias() { return bias; }

    /** Whether a ReLU is fused after the convolution. */
    public boolean hasRelu() { return !Float.isNaN(reluCap); }

    /** The ReLU's upper bound: +infinity for a plain ReLU, 6 for ReLU6; NaN without a ReLU. */
    public float reluCap() { return reluCap; }

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
        private boolean bias;
        private float reluCap = Float.NaN;

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

        /** With a bias vector of {@code outChannels} values (BatchNorm folding always gives one). */
        public Builder bias() { bias = true; return this; }

        /** Fuses max(x, 0) after the convolution. */
        public Builder relu() { reluCap = Float.POSITIVE_INFINITY; return this; }

        /** Fuses min(max(x, 0), cap) after the convolution: ReLU6 is {@code relu(6)}. */
        public Builder relu(float cap) {
            if (!(cap > 0)) {
                throw new IllegalArgumentException("ReLU cap must be > 0 (or +infinity), got " + cap);
            }
            reluCap = cap;
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
            return new Conv2d(this);
        }

        private static void requirePositive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("Conv2d " + what + " must be positive, got " + value);
            }
        }
    }
}
