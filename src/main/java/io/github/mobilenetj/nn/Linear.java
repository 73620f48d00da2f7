package io.github.mobilenetj.nn;

import java.util.Objects;

/**
 * A fully connected layer: {@code y = x W^T + b} over the flattened input
 * ({@code in = C * H * W}, flattened in NCHW order as PyTorch's {@code view(-1, in)} does).
 * Weights are {@code [out][in]}, row-major.
 */
public final class Linear implements Layer {

    private final int inFeatures;
    private final int outFeatures;
    private final float[] weights;
    private final float[] bias;

    public Linear(int inFeatures, int outFeatures, float[] weights, float[] bias) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear features must be positive, got in " + inFeatures + ", out " + outFeatures);
        }
        Objects.requireNonNull(weights, "Linear weights");
        if (weights.length != (long) inFeatures * outFeatures) {
            throw new IllegalArgumentException("Linear " + inFeatures + "->" + outFeatures + " needs " + (long) inFeatures * outFeatures
                    + " weights [" + outFeatures + ", " + inFeatures + "], got " + weights.length);
        }
        if (bias != null && bias.length != outFeatures) {
            throw new IllegalArgumentException("Linear bias needs " + outFeatures + " values, got " + bias.length);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weights = weights.clone();
        this.bias = bias == null ? null : bias.clone();
    }

    @Override
    public String kind() {
        return "Linear";
    }

    @Override
    public Shape outputShape(Shape input) {
        java.util.Objects.requireNonNull(input, "input");
        if (input.itemSize() != inFeatures) {
            throw new IllegalArgumentException("Linear expects " + inFeatures + " input features, got input shape " + input
                    + " (" + input.itemSize() + " features)");
        }
        return new Shape(input.batch(), outFeatures, 1, 1);
    }

    @Override
    public long parameterCount() {
        return weights.length + (bias == null ? 0 : bias.length);
    }

    @Override
    public long multiplyAdds(Shape input) {
        return (long) outputShape(input).batch() * inFeatures * outFeatures;
    }

    public int inFeatures() { return inFeatures; }
    public int outFeatures() { return outFeatures; }
    public boolean hasBias() { return bias != null; }
    public float[] weights() { return weights.clone(); }
    public float[] bias() { return bias == null ? null : bias.clone(); }

    float[] weightsView() { return weights; }
    float[] biasView() { return bias; }
}
