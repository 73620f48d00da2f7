package io.github.mobilenetj.model;

import io.github.mobilenetj.image.ImageTransform;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * A model's predictions on a {@link LabelledImages} set: accuracy, every image's logits and
 * predicted class, and the time spent.
 *
 * @param logits {@code size x classes} logits, image by image
 * @param predicted the arg-max class of each image (ties go to the lower index)
 * @param correct images whose predicted class is their label
 * @param inferenceSeconds time inside {@link Session#run(float[], float[])}
 * @param totalSeconds time including decoding and preprocessing
 */
public record Evaluation(float[] logits, int[] predicted, int correct, double inferenceSeconds, double totalSeconds) {

    /** Images evaluated. */
    public int size() {
        return predicted.length;
    }

    /** {@code correct / size}. */
    public double accuracy() {
        return (double) correct / predicted.length;
    }

    /**
     * Runs {@code model} on every image of {@code images}, preprocessed with the model's own
     * {@link MobileNetV1#preprocessing() preprocessing}, in batches of {@code batch}, on a session of
     * {@code threads} threads.
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
