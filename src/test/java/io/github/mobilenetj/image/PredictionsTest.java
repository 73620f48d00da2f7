package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PredictionsTest {
    private static final Labels FIVE = Labels.of(List.of("a", "b", "c", "d", "e"));

    @Test
    void ordersByProbabilityWithSoftmaxValues() {
        float[] logits = {1f, 3f, 0f, 2f, -1f};
        List<Prediction> top = Predictions.topK(logits, 3, FIVE);
        assertEquals(List.of(1, 3, 0), top.stream().map(Prediction::classIndex).toList());
        assertEquals("b", top.getFirst().label());
        double[] naive = naiveSoftmax(logits);
        for (Prediction p : top) {
            assertEquals(naive[p.classIndex()], p.probability(), 1e-7);
        }
    }

    @Test
    void probabilitiesSumToOneAgainstNaiveDouble() {
        Random random = new Random(7);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 4);
        }
        List<Prediction> all = Predictions.topK(logits, 1000, Labels.imageNet());
        assertEquals(1000, all.size());
        double[] naive = naiveSoftmax(logits);
        double sum = 0;
        for (Prediction p : all) {
            sum += p.probability();
            assertEquals(naive[p.classIndex()], p.probability(), 1e-7);
        }
        assertEquals(1.0, sum, 1e-5);
        for (int i = 1; i < all.size(); i++) {
            assertTrue(all.get(i - 1).probability() >= all.get(i).probability(), "descending at " + i);
        }
        assertEquals(IntStream.range(0, 1000).boxed().toList(),
                all.stream().map(Prediction::classIndex).sorted().toList(), "every class exactly once");
    }

    @Test
    void hugeLogitsDoNotOverflow() {
        float[] logits = {1000f, 999f, -1000f, 0f, 1000f};
        List<Prediction> top = Predictions.topK(logits, 5, FIVE);
        double expected = 1.0 / (2 + Math.exp(-1));
        assertEquals(expected, top.get(0).probability(), 1e-7);
        assertEquals(expected, top.get(1).probability(), 1e-7);
        assertEquals(0f, top.get(4).probability());
    }

    @Test
    void tiesGoToTheLowerIndex() {
        float[] logits = {0f, 5f, 2f, 5f, 5f};
        List<Prediction> top = Predictions.topK(logits, 4, FIVE);
        assertEquals(List.of(1, 3, 4, 2), top.stream().map(Prediction::classIndex).toList());
    }

    /** A batch of logits in native memory, as a session writes them: image 1's top-3 against a naive softmax. */
    @Test
    void nativeSegmentOfABatch() {
        float[] batch = {5f, 4f, 3f, 2f, 1f, /* image 1: */ -1f, 0.5f, 7f, 0.5f, 2f};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment logits = arena.allocate(batch.length * 4L, 64);
            MemorySegment.copy(batch, 0, logits, ValueLayout.JAVA_FLOAT, 0, batch.length);
            List<Prediction> top = Predictions.topK(logits, 1, 3, FIVE);
            assertEquals(List.of(2, 4, 1), top.stream().map(Prediction::classIndex).toList(), "ties to the lower index");
            double[] naive = naiveSoftmax(new float[] {-1f, 0.5f, 7f, 0.5f, 2f});
            for (Prediction p : top) {
                assertEquals(naive[p.classIndex()], p.probability(), 1e-7);
            }
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> Predictions.topK(logits, 2, 3, FIVE));
            assertEquals("image 2 of 5 logits each needs floats 10..15, but the segment holds 10", e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> Predictions.topK(logits, -1, 3, FIVE));
        }
    }

    @Test
    void offsetAndCountSelectOneRowOfABatch() {
        float[] batch = {9f, 9f, 9f, 9f, 9f, 0f, 1f, 4f, 2f, 3f};
        List<Prediction> top = Predictions.topK(batch, 5, 5, 2, FIVE);
        assertEquals(List.of(2, 4), top.stream().map(Prediction::classIndex).toList());
    }

    @Test
    void kIsClampedToCount() {
        assertEquals(5, Predictions.topK(new float[5], 50, FIVE).size());
    }

    @Test
    void badArgumentsAreExplained() {
        float[] logits = new float[5];
        assertThrows(IllegalArgumentException.class, () -> Predictions.topK(logits, 0, FIVE));
        assertThrows(IllegalArgumentException.class, () -> Predictions.topK(logits, -3, FIVE));
        IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
                () -> Predictions.topK(new float[1001], 5, Labels.imageNet()));
        assertTrue(labels.getMessage().contains("1001 logits but there are 1000 labels"), labels.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Predictions.topK(new float[] {0f, Float.NaN, 0f, 0f, 0f}, 1, FIVE));
        assertTrue(nan.getMessage().contains("logit 1 is NaN"), nan.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Predictions.topK(logits, 1, 5, 1, FIVE));
    }

    private static double[] naiveSoftmax(float[] logits) {
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i]);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
