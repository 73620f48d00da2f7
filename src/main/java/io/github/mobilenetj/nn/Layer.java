package io.github.mobilenetj.nn;

/**
 * One step of a network: what it computes, its shapes and its cost. Layers are immutable shape
 * descriptions without values; their parameters live in a {@link ParameterStore}, indexed by the
 * layer's position, and {@link Network#compile} turns both into oneDNN primitives.
 */
public sealed interface Layer permits Conv2d, GlobalAvgPool, Linear {

    /** Short kind name for tables, e.g. "Conv2d dw". */
    String kind();

    /**
     * The output shape for {@code input}.
     *
     * @throws IllegalArgumentException naming the mismatch when this layer cannot take {@code input}
     */
    Shape outputShape(Shape input);

    /** Learned parameters of this layer (weights and bias), as the network computes with them. */
    long parameterCount();

    /** Multiply-accumulate operations for one forward pass over {@code input} (all batch items). */
    long multiplyAdds(Shape input);
}
