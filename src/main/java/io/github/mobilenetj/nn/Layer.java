package io.github.mobilenetj.nn;

/**
 * One step of a network: what it computes, its shapes and its cost. Layers are immutable
 * descriptions with their weights; {@link Sequential#compile} turns them into oneDNN primitives.
 */
public sealed interface Layer permits Conv2d, GlobalAvgPool, Linear, Softmax {

    /** Short kind name for tables, e.g. "Conv2d (depthwise)". */
    String kind();

    /**
     * The output shape for {@code input}.
     *
     * @throws IllegalArgumentException naming the mismatch when this layer cannot take {@code input}
     */
    Shape outputShape(Shape input);

    /** Learned parameters held by this layer (weights and bias). */
    long parameterCount();

    /** Multiply-accumulate operations for one forward pass over {@code input} (all batch items). */
    long multiplyAdds(Shape input);
}
