package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Test and benchmark fixture: the library's seeded random weights (the same tensors
 * {@link MobileNetV1.Builder#build()} uses) for code outside this package that needs their values
 * (an independent engine, the naive reference) or a file of them.
 */
public final class TestWeights {

    private final Weights weights;

    private TestWeights(Weights weights) {
        this.weights = weights;
    }

    /** The weights {@code MobileNetV1.builder()...seed(seed).build()} gets for {@code config}. */
    public static TestWeights random(ModelConfig config, long seed) {
        return new TestWeights(Weights.random(config, seed));
    }

    public ModelConfig config() {
        return weights.config();
    }

    /** Tensor names (reference state_dict names), in state_dict order. */
    public List<String> names() {
        return weights.names();
    }

    /** A copy of tensor {@code name}'s values. */
    public float[] values(String name) {
        return weights.values(name);
    }

    /** Writes the tensors as a safetensors state_dict in {@code dtype} with {@code metadata}. */
    public void save(Path file, DType dtype, Map<String, String> metadata) throws IOException {
        weights.save(file, dtype, metadata);
    }

    /** A model built from these weights (any builder settings not about the architecture apply). */
    public MobileNetV1 build(MobileNetV1.Builder builder) {
        return builder.from(weights);
    }
}
