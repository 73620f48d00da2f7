package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * What identifies one executor-wide model: the weights (a resolved local file, or {@code ""} for the
 * bundled Fashion-MNIST model) and the settings it is built with. Two tasks with equal specs share
 * one model.
 *
 * @param weights absolute path of a safetensors file on this executor, or {@code ""} for the bundled model
 * @param batchSize the model's maximum batch size: the batches a partition is cut into
 * @param threads OpenMP threads of each session (one session per running task)
 * @param precision {@code fp32}, {@code bf16} or {@code int8} (a quantized weights file, saved by an INT8 model,
 *        or the bundled model's INT8 version; a float file would need calibration data)
 */
record ModelSpec(String weights, int batchSize, int threads, String precision) implements Serializable {

    ModelSpec {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(precision, "precision");
    }

    /** Builds the model; called once per spec per executor JVM. */
    MobileNetV1 load() throws IOException {
        MobileNetV1.Builder builder = MobileNetV1.builder().threads(threads).maxBatchSize(batchSize)
                .precision(precision(precision));
        return weights.isEmpty() ? builder.fashionMnist() : builder.load(Path.of(weights));
    }

    static Precision precision(String name) {
        try {
            return Precision.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision must be fp32, bf16 or int8, got '" + name + "'", e);
        }
    }

    @Override
    public String toString() {
        return (weights.isEmpty() ? "the bundled Fashion-MNIST model" : weights) + " (batch " + batchSize + ", "
                + threads + " thread(s) per task, " + precision + ")";
    }
}
