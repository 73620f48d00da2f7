package io.github.mobilenetj.nn;

import java.util.Objects;

/**
 * A fully connected layer: {@code y = x W^T + b} over the flattened input
 * ({@code in = C * H * W}, flattened in NCHW order as PyTorch's {@code view(-1, in)} does).
 * Its weights are {@code [out][in]}, row-major, and its bias {@code [out]}.
 */
public record Linear(int inFeatures, int outFeatures, boolean hasBias) implements Layer {

    public Linear {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear features must be positive, got in " + inFeatures + ", out "
                    + outFeatures);
        }
    }

    @Override
    public String kind() {
        return "Linear";
    }

    @Override
    public Shape outputShape(Shape input) {
        Objects.requireNonNull(input, "input");
        if (input.itemSize() != inFeatures) {
            throw new IllegalArgumentException("Linear expects " + inFeatures + " input features, got input shape " + input
                    + " (" + input.itemSize() + " features)");
        }
        return new Shape(input.batch(), outFeatures, 1, 1);
    }

    /** PyTorch's weight shape {@code [out, in]}. */
    public long[] weightShape() {
        return new long[] {outFeatures, inFeatures};
    }

    @Override
    public long parameterCount() {
        return (long) inFeatures * outFeatures + (hasBias ? outFeatures : 0);
    }

    @Override
    public long multiplyAdds(Shape input) {
        return (long) outputShape(input).batch() * inFeatures * outFeatures;
    }
}
