package io.github.mobilenetj.image;

import java.util.Objects;

/**
 * One class of a classifier's answer.
 *
 * @param classIndex index of the class in the model's output
 * @param label the class name
 * @param probability softmax probability of the class, in {@code [0, 1]}
 */
public record Prediction(int classIndex, String label, float probability) {
    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code classIndex} is negative or {@code probability} is
     *     not in {@code [0, 1]} (NaN included)
     * @throws NullPointerException if {@code label} is null
     */
    public Prediction {
        if (classIndex < 0) {
            throw new IllegalArgumentException("classIndex must not be negative, got " + classIndex);
        }
        Objects.requireNonNull(label, "label");
        if (!(probability >= 0f && probability <= 1f)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + probability);
        }
    }
}
