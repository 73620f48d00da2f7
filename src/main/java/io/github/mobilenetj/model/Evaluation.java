package io.github.mobilenetj.model;

import io.github.mobilenetj.image.ImageTransform;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A model's predictions on a {@link LabelledImages} set: accuracy, every image's logits and
 * predicted class, and the time spent. The components are not validated, and the arrays are held
 * and returned as they are, not copied.
 *
 * @param logits {@code size x classes} logits, image by image
 * @param predicted the arg-max class of each image (ties go to the lower index)
 * @param correct images whose predicted class is their label
 * @param inferenceSeconds wall-clock time inside {@link Session#run(float[], float[])}, which
 *        includes compiling the network for a batch size on its first run
 * @param totalSeconds wall-clock time of the whole evaluation, including copying out and
 *        preprocessing the images and opening and closing the session
 */
public record Evaluation(float[] logits, int[] predicted, int correct, double inferenceSeconds, double totalSeconds) {

    /**
     * Images evaluated.
     *
     * @return {@code predicted().length}
     */
    public int size() {
        return predicted.length;
    }

    /**
     * The fraction of images classified correctly.
     *
     * @return {@code correct / size}: in [0, 1] for a result of {@link #run}, NaN for a record made
     *     with no images
     */
    public double accuracy() {
        return (double) correct / predicted.length;
    }

    /**
     * Runs {@code model} on every image of {@code images}, preprocessed with the model's own
     * {@link MobileNetV1#preprocessing() preprocessing}, in batches of {@code batch} (the last one
     * may be smaller), on a session of {@code threads} threads that the calling thread opens and
     * closes. Heap allocation beyond the result: the input and logits arrays of at most two batch
     * sizes (the full one and the last), one grayscale image, and the preprocessing's working buffers.
     * A label that is not a class of the model is never predicted, so counts as wrong.
     *
     * @param model the model; {@link MobileNetV1#config()} gives the batch limit and input layout
     * @param images the labelled images, each of a size the model's preprocessing takes
     * @param batch images per run, 1 to the model's {@link ModelConfig#maxBatchSize()}
     * @param threads OpenMP threads of the session, 1 to {@link MobileNetV1#maxThreads()}
     * @return the logits, predictions, accuracy and timings
     * @throws IllegalArgumentException if {@code batch} or {@code threads} is out of range, or the
     *     model's preprocessing cannot take the images (e.g. a
     *     {@link io.github.mobilenetj.image.PadTransform} smaller than them)
     * @throws UnsupportedOperationException if the model has no image preprocessing (its input is not
     *     1 or 3 channels)
     * @throws IllegalStateException if the model is closed, or closed during the evaluation
     * @throws ArithmeticException if {@code images.size() * classes} exceeds {@link Integer#MAX_VALUE}
     */
    public static Evaluation run(MobileNetV1 model, LabelledImages images, int batch, int threads) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(images, "images");
        if (batch < 1 || batch > model.config().maxBatchSize()) {
            throw new IllegalArgumentException("batch must be in 1.." + model.config().maxBatchSize()
                    + " (the model's maximum batch size), got " + batch);
        }
        int count = images.size();
        int classes = model.config().classes();
        ImageTransform transform = model.preprocessing();
        int imageFloats = model.config().imageSize();
        float[] logits = new float[Math.multiplyExact(count, classes)];
        int[] predicted = new int[count];
        float[][] inputByBatch = new float[batch + 1][];
        float[][] logitsByBatch = new float[batch + 1][];
        BufferedImage gray = new BufferedImage(images.width(), images.height(), BufferedImage.TYPE_BYTE_GRAY);
        int correct = 0;
        long inferenceNanos = 0;
        long start = System.nanoTime();
        try (Session session = model.newSession(threads)) {
            for (int first = 0; first < count; first += batch) {
                int n = Math.min(batch, count - first);
                float[] input = inputByBatch[n] != null ? inputByBatch[n] : (inputByBatch[n] = new float[n * imageFloats]);
                float[] out = logitsByBatch[n] != null ? logitsByBatch[n] : (logitsByBatch[n] = new float[n * classes]);
                for (int i = 0; i < n; i++) {
                    images.copyInto(first + i, gray);
                    transform.apply(gray, model.config().inputLayout(), input, i * imageFloats);
                }
                long t0 = System.nanoTime();
                session.run(input, out);
                inferenceNanos += System.nanoTime() - t0;
                System.arraycopy(out, 0, logits, first * classes, n * classes);
                for (int i = 0; i < n; i++) {
                    predicted[first + i] = argmax(out, i * classes, classes);
                    if (predicted[first + i] == images.label(first + i)) {
                        correct++;
                    }
                }
            }
        }
        return new Evaluation(logits, predicted, correct, inferenceNanos / 1e9, (System.nanoTime() - start) / 1e9);
    }

    static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
