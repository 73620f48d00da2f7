package io.github.mobilenetj.model;

import io.github.mobilenetj.nn.Activation;
import io.github.mobilenetj.nn.BatchNorm;
import io.github.mobilenetj.nn.Layout;
import java.util.Objects;

/**
 * The hyper-parameters that define a MobileNetV1 and how it is fed.
 *
 * @param widthMultiplier the paper's α: every layer has {@code (int) (channels * α)} channels
 * @param resolution input height and width (the paper's ρ · 224)
 * @param classes outputs of the final fully connected layer
 * @param inChannels input image channels (3 for RGB, 1 for grayscale data sets)
 * @param activation ReLU (reference PyTorch model) or ReLU6 (TensorFlow/Keras)
 * @param batchNormEpsilon ε of every BatchNorm (1e-5 in PyTorch, 1e-3 in TensorFlow)
 * @param inputLayout how callers lay out input images
 * @param maxBatchSize largest batch a session accepts
 */
public record ModelConfig(double widthMultiplier, int resolution, int classes, int inChannels, Activation activation,
        double batchNormEpsilon, Layout inputLayout, int maxBatchSize) {

    public ModelConfig {
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(inputLayout, "inputLayout");
        if (!(widthMultiplier > 0) || Double.isInfinite(widthMultiplier)) {
            throw new IllegalArgumentException("width multiplier must be a finite number > 0, got " + widthMultiplier);
        }
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be positive, got " + classes);
        }
        if (inChannels <= 0) {
            throw new IllegalArgumentException("input channels must be positive, got " + inChannels);
        }
        if (maxBatchSize <= 0) {
            throw new IllegalArgumentException("maximum batch size must be positive, got " + maxBatchSize);
        }
        if (!(batchNormEpsilon >= 0) || Double.isInfinite(batchNormEpsilon)) {
            throw new IllegalArgumentException("batch norm epsilon must be finite and >= 0, got " + batchNormEpsilon);
        }
        if (resolution <= 0) {
            throw new IllegalArgumentException("resolution must be positive, got " + resolution);
        }
        int c = (int) (32 * widthMultiplier);
        if (c <= 0) {
            throw new IllegalArgumentException("width multiplier " + widthMultiplier + " leaves the first layer with 0 channels;"
                    + " it must be at least 1/32");
        }
    }

    /** The paper's baseline: α 1.0, 224x224 RGB, 1000 classes, ReLU, PyTorch's ε, NCHW, batch 1. */
    public static ModelConfig defaults() {
        return new ModelConfig(1.0, 224, 1000, 3, Activation.RELU, BatchNorm.PYTORCH_EPSILON, Layout.NCHW, 1);
    }

    /** Channels of a layer that has {@code base} channels at α = 1. */
    public int channels(int base) {
        return (int) (base * widthMultiplier);
    }
}
