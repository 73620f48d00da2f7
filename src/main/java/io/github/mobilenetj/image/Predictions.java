package io.github.mobilenetj.image;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Turns a classifier's logits into its most probable classes. Stateless and thread-safe. */
public final class Predictions {
    private Predictions() {}

    /**
     * {@link #topK(float[], int, int, int, Labels)} over the whole array: the logits of one image.
     *
     * @param logits one logit per class
     * @param k number of classes wanted; more than {@code logits.length} returns all of them
     * @param labels one name per logit
     * @return {@code min(k, logits.length)} predictions, most probable first, in an unmodifiable list
     * @throws IllegalArgumentException if {@code k < 1}, {@code logits} is empty, a logit is NaN or
     *     infinite, or {@code labels} does not have exactly {@code logits.length} names
     */
    public static List<Prediction> topK(float[] logits, int k, Labels labels) {
        Objects.requireNonNull(logits, "logits");
        return topK(logits, 0, logits.length, k, labels);
    }

    /**
     * The {@code k} most probable classes of the logits {@code logits[offset .. offset + count)}, most
     * probable first, with softmax probabilities. Equal logits are ordered by lower class index.
     *
     * <p>The softmax subtracts the maximum logit and works in double, so large logits neither
     * overflow nor lose the small classes; probabilities are rounded to float at the end. Takes
     * {@code O(count * k)} time; allocates nothing beyond the result and temporaries of {@code k}
     * elements.
     *
     * @param logits an array holding the logits, e.g. those of a whole batch
     * @param offset index in {@code logits} of the first logit of the image
     * @param count number of logits, the model's class count
     * @param k number of classes wanted; more than {@code count} returns all of them
     * @param labels one name per logit
     * @return {@code min(k, count)} predictions, most probable first, in an unmodifiable list; class
     *     index {@code i} is the logit {@code logits[offset + i]}
     * @throws IllegalArgumentException if {@code k < 1}, {@code count < 1}, a logit is NaN or
     *     infinite, or {@code labels} does not have exactly {@code count} names
     * @throws IndexOutOfBoundsException if the range does not fit in {@code logits}
     */
    public static List<Prediction> topK(float[] logits, int offset, int count, int k, Labels labels) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(labels, "labels");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        Objects.checkFromIndexSize(offset, count, logits.length);
        if (labels.size() != count) {
            throw new IllegalArgumentException("the model gives " + count + " logits but there are " + labels.size()
                    + " labels; expected one label per logit");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            float logit = logits[offset + i];
            if (!Float.isFinite(logit)) {
                throw new IllegalArgumentException("logit " + i + " is " + logit + "; expected finite values");
            }
            max = Math.max(max, logit);
        }
        double sum = 0.0;
        for (int i = 0; i < count; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        int[] best = largest(logits, offset, count, Math.min(k, count));
        List<Prediction> predictions = new ArrayList<>(best.length);
        for (int index : best) {
            float probability = (float) (Math.exp(logits[offset + index] - max) / sum);
            predictions.add(new Prediction(index, labels.name(index), probability));
        }
        return List.copyOf(predictions);
    }

    /**
     * The {@code k} most probable classes of image {@code image} of a batch of logits in native
     * memory, as a session's {@code run(MemorySegment, MemorySegment)} writes them: {@code labels.size()}
     * floats per image, in native byte order, image after image. Reads the image's logits once
     * (one float array of the class count); otherwise as {@link #topK(float[], int, int, int, Labels)}.
     *
     * @param logits the batch's logits; not modified
     * @param image index of the image in the batch, from 0
     * @param k number of classes wanted; more than the class count returns all of them
     * @param labels one name per class; its size is the class count
     * @return {@code min(k, labels.size())} predictions, most probable first, in an unmodifiable list
     * @throws IllegalArgumentException if {@code k < 1}, a logit is NaN or infinite, or
     *     {@code labels} is empty
     * @throws IndexOutOfBoundsException if {@code image} is negative or the segment holds fewer
     *     than {@code (image + 1) * labels.size()} floats
     * @throws IllegalStateException if the segment's arena is closed, or it is confined to another thread
     */
    public static List<Prediction> topK(MemorySegment logits, int image, int k, Labels labels) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(labels, "labels");
        int count = labels.size();
        if (count < 1) {
            throw new IllegalArgumentException("labels is empty; expected one label per logit");
        }
        long floats = logits.byteSize() / Float.BYTES;
        if (image < 0 || (long) image * count + count > floats) {
            throw new IndexOutOfBoundsException("image " + image + " of " + count + " logits each needs floats "
                    + (long) image * count + ".." + ((long) image * count + count) + ", but the segment holds " + floats);
        }
        float[] one = new float[count];
        MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT, (long) image * count * Float.BYTES, one, 0, count);
        return topK(one, 0, count, k, labels);
    }

    /**
     * Indices of the {@code k} largest values, largest first, ties by lower index. Insertion into a
     * sorted array of k: O(count * k) worst case, cheap for the usual k of 1 to 10.
     */
    private static int[] largest(float[] values, int offset, int count, int k) {
        int[] top = new int[k];
        int size = 0;
        for (int i = 0; i < count; i++) {
            float v = values[offset + i];
            if (size == k && v <= values[offset + top[k - 1]]) {
                continue; // not better than the current k-th; equal loses to its lower index
            }
            int position = size < k ? size++ : k - 1;
            while (position > 0 && values[offset + top[position - 1]] < v) {
                top[position] = top[position - 1];
                position--;
            }
            top[position] = i;
        }
        return top;
    }
}
