package io.github.mobilenetj.model;

import io.github.mobilenetj.image.PixelLayout;
import java.util.Objects;

/**
 * The hyper-parameters that define a MobileNetV1 and how it is fed. Every value is bounded (see
 * the {@code MAX_*} constants), so that no setting can make a size overflow or ask for an absurd
 * amount of memory; a value out of range is refused with an {@link IllegalArgumentException}
 * naming it and the range.
 *
 * @param widthMultiplier the paper's α, in {@code (0, 4]} and at least 1/32: every convolution
 *        has {@code (int) (c * α)} output channels, c being its count in the paper's Table 1
 *        (see {@link #channels(int)})
 * @param resolution input height and width in pixels (the paper's ρ · 224), 1 to
 *        {@link #MAX_RESOLUTION}
 * @param classes outputs of the final fully connected layer, 1 to {@link #MAX_CLASSES}
 * @param inChannels input image channels (3 for RGB, 1 for grayscale data sets), 1 to
 *        {@link #MAX_IN_CHANNELS}
 * @param activation ReLU (reference PyTorch model) or ReLU6 (TensorFlow/Keras, timm)
 * @param batchNormEpsilon ε of every BatchNorm (1e-5 in PyTorch, 1e-3 in TensorFlow), in {@code [0, 1]}
 * @param inputLayout how callers lay out each input image: CHW (PyTorch) or HWC (channels last)
 * @param maxBatchSize largest batch a session accepts, 1 to {@link #MAX_BATCH_SIZE}
 */
public record ModelConfig(double widthMultiplier, int resolution, int classes, int inChannels, Activation activation,
        double batchNormEpsilon, PixelLayout inputLayout, int maxBatchSize) {

    /** Largest width multiplier (the paper's largest is 1.0). */
    public static final double MAX_WIDTH_MULTIPLIER = 4.0;
    /** Largest input resolution, in pixels. */
    public static final int MAX_RESOLUTION = 2048;
    /** Largest number of classes (ImageNet-21k has 21,841). */
    public static final int MAX_CLASSES = 1 << 20;
    /** Largest number of input channels. */
    public static final int MAX_IN_CHANNELS = 64;
    /** Largest batch a session can run. */
    public static final int MAX_BATCH_SIZE = 1024;
    /**
     * Largest activation memory one session may need at its largest batch: two float32 buffers of
     * the largest layer output, input included, for {@code maxBatchSize} images (8 GiB). Checked
     * when a model is built, not by this record, so a configuration can exceed it.
     */
    public static final long MAX_WORKSPACE_BYTES = 8L << 30;

    /**
     * Validates every component.
     *
     * @throws IllegalArgumentException naming the first component out of its range and the range
     * @throws NullPointerException if {@code activation} or {@code inputLayout} is null
     */
    public ModelConfig {
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(inputLayout, "inputLayout");
        if (!(widthMultiplier > 0) || !(widthMultiplier <= MAX_WIDTH_MULTIPLIER)) {
            throw new IllegalArgumentException("width multiplier must be in (0, " + MAX_WIDTH_MULTIPLIER + "], got "
                    + widthMultiplier);
        }
        if ((int) (32 * widthMultiplier) <= 0) {
            throw new IllegalArgumentException("width multiplier " + widthMultiplier
                    + " leaves the first layer with 0 channels; it must be at least 1/32");
        }
        checkRange("resolution", resolution, MAX_RESOLUTION);
        checkRange("classes", classes, MAX_CLASSES);
        checkRange("input channels", inChannels, MAX_IN_CHANNELS);
        checkRange("maximum batch size", maxBatchSize, MAX_BATCH_SIZE);
        if (!(batchNormEpsilon >= 0) || !(batchNormEpsilon <= 1)) {
            throw new IllegalArgumentException("batch norm epsilon must be in [0, 1], got " + batchNormEpsilon);
        }
    }

    private static void checkRange(String what, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(what + " must be in 1.." + max + ", got " + value);
        }
    }

    /**
     * The paper's baseline.
     *
     * @return α 1.0, 224x224 RGB, 1000 classes, ReLU, PyTorch's ε (1e-5), CHW, batch 1
     */
    public static ModelConfig defaults() {
        return new ModelConfig(1.0, 224, 1000, 3, Activation.RELU, 1e-5, PixelLayout.CHW, 1);
    }

    /**
     * Channels of a layer that has {@code base} channels at α = 1. This truncates, as the reference
     * PyTorch model does; timm's {@code make_divisible(c * α, 8)} gives other counts where
     * {@code c * α} is not a multiple of 8 (e.g. α 0.35).
     *
     * @param base the channel count in the paper's Table 1
     * @return {@code (int) (base * widthMultiplier())}, which may be 0 for a small {@code base}
     */
    public int channels(int base) {
        return (int) (base * widthMultiplier);
    }

    /**
     * Floats in one input image.
     *
     * @return {@code inChannels() * resolution() * resolution()}
     */
    public int imageSize() {
        return inChannels * resolution * resolution;
    }

    /**
     * This configuration with another maximum batch size.
     *
     * @param size the largest batch a session accepts
     * @return a new configuration, equal to this one but for {@code maxBatchSize}
     * @throws IllegalArgumentException if {@code size} is not in 1..{@link #MAX_BATCH_SIZE}
     */
    public ModelConfig withMaxBatchSize(int size) {
        return new ModelConfig(widthMultiplier, resolution, classes, inChannels, activation, batchNormEpsilon, inputLayout,
                size);
    }

    /**
     * This configuration with another resolution.
     *
     * @param pixels the input height and width
     * @return a new configuration, equal to this one but for {@code resolution}
     * @throws IllegalArgumentException if {@code pixels} is not in 1..{@link #MAX_RESOLUTION}
     */
    public ModelConfig withResolution(int pixels) {
        return new ModelConfig(widthMultiplier, pixels, classes, inChannels, activation, batchNormEpsilon, inputLayout,
                maxBatchSize);
    }
}
