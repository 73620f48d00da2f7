package io.github.mobilenetj.model;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The data an {@link Precision#INT8} model is calibrated on: a few hundred images (or input
 * tensors) like the ones it will see, run through the float model to find the range of every
 * activation, from which the 8-bit scales follow.
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=quantize}
 *
 * <p>Weights are quantized per output channel from their own range ({@code max |w| / 127});
 * activations per tensor, from the calibration data by {@link Method#MIN_MAX} (the largest value
 * seen, the default of ONNX Runtime and Intel Neural Compressor) or {@link Method#PERCENTILE} (the
 * 99.99th percentile, which ignores rare outliers at the price of clipping them). Every MobileNetV1
 * activation passes through a ReLU, so its minimum is 0; with ReLU6 its maximum is at most 6.
 *
 * <p>Immutable; the images are held until the calibration is garbage-collected.
 */
public final class Calibration {

    /** How an activation's range is read off the calibration data. */
    public enum Method {
        /** The largest value seen (for the network input, the largest magnitude). */
        MIN_MAX("minmax"),
        /** The 99.99th percentile of the values seen (of the magnitudes, for the input). */
        PERCENTILE("percentile:99.99");

        private final String metadataName;

        Method(String metadataName) {
            this.metadataName = metadataName;
        }

        /** The name written to a quantized file's metadata ({@code calibration_method}). */
        String metadataName() {
            return metadataName;
        }
    }

    /** The most inputs a calibration takes: calibration needs hundreds, not a data set. */
    public static final int MAX_SAMPLES = 10_000;

    private final List<BufferedImage> images;
    private final List<float[]> tensors;
    private final Method method;
    private final String description;

    private Calibration(List<BufferedImage> images, List<float[]> tensors, Method method, String description) {
        this.images = images;
        this.tensors = tensors;
        this.method = method;
        this.description = description;
    }

    /**
     * Calibration on decoded images, preprocessed with the model's own preprocessing.
     *
     * @param images 1 to {@value #MAX_SAMPLES} images
     * @return the calibration, by {@link Method#MIN_MAX}
     * @throws IllegalArgumentException if there are no images or too many
     */
    public static Calibration ofImages(List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        checkCount(images.size());
        for (int i = 0; i < images.size(); i++) {
            Objects.requireNonNull(images.get(i), "image " + i);
        }
        return new Calibration(List.copyOf(images), null, Method.MIN_MAX, images.size() + " images");
    }

    /**
     * Calibration on the first {@code count} images of a labelled set (the labels are not used),
     * e.g. Fashion-MNIST's training images for the bundled model.
     *
     * @param images the set
     * @param count 1 to {@value #MAX_SAMPLES}, at most the set's size
     * @return the calibration, by {@link Method#MIN_MAX}
     * @throws IllegalArgumentException if {@code count} is out of range
     */
    public static Calibration ofImages(LabelledImages images, int count) {
        Objects.requireNonNull(images, "images");
        checkCount(count);
        if (count > images.size()) {
            throw new IllegalArgumentException("calibration wants " + count + " images, " + images + " has " + images.size());
        }
        List<BufferedImage> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(images.image(i));
        }
        return new Calibration(List.copyOf(list), null, Method.MIN_MAX, "the first " + count + " images of " + images);
    }

    /**
     * Calibration on input tensors already preprocessed into the model's input layout, one image
     * per array ({@link ModelConfig#imageSize()} floats each; checked when the model is built).
     *
     * @param inputs 1 to {@value #MAX_SAMPLES} tensors
     * @return the calibration, by {@link Method#MIN_MAX}
     * @throws IllegalArgumentException if there are no tensors or too many
     */
    public static Calibration ofTensors(List<float[]> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        checkCount(inputs.size());
        List<float[]> copies = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            copies.add(Objects.requireNonNull(inputs.get(i), "tensor " + i).clone());
        }
        return new Calibration(null, List.copyOf(copies), Method.MIN_MAX, inputs.size() + " tensors");
    }

    private static void checkCount(int count) {
        if (count < 1 || count > MAX_SAMPLES) {
            throw new IllegalArgumentException("calibration takes 1 to " + MAX_SAMPLES + " inputs, got " + count);
        }
    }

    /**
     * This calibration with another method.
     *
     * @param m the method
     * @return a calibration on the same data
     */
    public Calibration method(Method m) {
        return new Calibration(images, tensors, Objects.requireNonNull(m, "method"), description);
    }

    /**
     * This calibration with a description recorded in the quantized file's metadata, e.g.
     * "Fashion-MNIST train, first 500 images".
     *
     * @param text free text
     * @return a calibration on the same data
     */
    public Calibration describedAs(String text) {
        return new Calibration(images, tensors, method, Objects.requireNonNull(text, "text"));
    }

    /**
     * The method.
     *
     * @return how ranges are read off the data
     */
    public Method method() {
        return method;
    }

    /**
     * The number of inputs.
     *
     * @return images or tensors held
     */
    public int size() {
        return images != null ? images.size() : tensors.size();
    }

    /**
     * What the data is.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /** Input {@code i} in the model's input layout. */
    float[] input(int i, MobileNetV1 model) {
        if (images != null) {
            return model.preprocess(images.get(i));
        }
        float[] t = tensors.get(i);
        if (t.length != model.config().imageSize()) {
            throw new IllegalArgumentException("calibration tensor " + i + " has " + t.length + " floats, the model takes "
                    + model.config().imageSize() + " per image");
        }
        return t;
    }

    @Override
    public String toString() {
        return "Calibration[" + description + ", " + method + "]";
    }
}
