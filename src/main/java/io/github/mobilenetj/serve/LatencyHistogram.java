package io.github.mobilenetj.serve;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A snapshot of a duration histogram with fixed bucket bounds (from 50 µs to 10 s, about three
 * per decade), in the shape Prometheus and Micrometer expect: {@link #counts()}{@code [i]} values
 * were at most {@link #upperBoundsNanos()}{@code [i]} and above the previous bound; the last count
 * is everything above the largest bound. Immutable.
 */
public final class LatencyHistogram {

    /** The bucket upper bounds in nanoseconds, shared by every histogram of the service. */
    private static final long[] BOUNDS = {
        50_000L, 100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L,
        10_000_000L, 25_000_000L, 50_000_000L,
        100_000_000L, 250_000_000L, 500_000_000L,
        1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L,
    };

    private final long[] counts;
    private final long count;
    private final long sumNanos;

    private LatencyHistogram(long[] counts, long count, long sumNanos) {
        this.counts = counts;
        this.count = count;
        this.sumNanos = sumNanos;
    }

    /**
     * Bucket upper bounds in nanoseconds, ascending (a copy).
     *
     * @return a new array of the 17 bounds, 50 µs, 100 µs, 250 µs, 500 µs, 1 ms, 2.5 ms, 5 ms, ...
     *     up to 10 s; the same for every histogram, so snapshots can be subtracted bucket by bucket
     */
    public long[] upperBoundsNanos() {
        return BOUNDS.clone();
    }

    /**
     * Values per bucket, not cumulative (a copy): one more entry than {@link #upperBoundsNanos()},
     * the last for values above the largest bound.
     *
     * @return a new array of {@code upperBoundsNanos().length + 1} counts; element {@code i} counts
     *     the values {@code v} with {@code bound[i-1] < v <= bound[i]} (for {@code i = 0}, those
     *     up to the first bound); add them up for Prometheus's cumulative {@code le} buckets
     */
    public long[] counts() {
        return counts.clone();
    }

    /**
     * Values recorded.
     *
     * @return the number of values recorded, the sum of {@link #counts()}
     */
    public long count() {
        return count;
    }

    /**
     * Sum of the values recorded, in nanoseconds.
     *
     * @return the sum, read apart from the counts: under concurrent recording it may include a few
     *     values {@link #count()} does not yet include, or miss a few it does
     */
    public long sumNanos() {
        return sumNanos;
    }

    /**
     * The mean value, or zero when nothing was recorded.
     *
     * @return {@code sumNanos() / count()} nanoseconds, rounded down; {@link Duration#ZERO} when
     *     {@code count()} is zero
     */
    public Duration mean() {
        return count == 0 ? Duration.ZERO : Duration.ofNanos(sumNanos / count);
    }

    /**
     * An upper estimate of the {@code q} quantile: the upper bound of the bucket that holds it
     * ({@link Duration#ZERO} when empty; the largest bound when it lies above every bound, in
     * which case it is no upper bound: the quantile is then above 10 s).
     *
     * @param q the quantile, from 0 to 1 inclusive (0.99 for p99); 0 gives the bound of the lowest
     *     non-empty bucket, 1 that of the highest
     * @return the upper bound of the bucket holding the value of rank {@code ceil(q x count())},
     *     counted from the smallest
     * @throws IllegalArgumentException if {@code q} is below 0, above 1 or NaN
     */
    public Duration quantileUpperBound(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
        }
        if (count == 0) {
            return Duration.ZERO;
        }
        long rank = (long) Math.ceil(q * count);
        long seen = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            seen += counts[i];
            if (seen >= rank && seen > 0) {
                return Duration.ofNanos(BOUNDS[i]);
            }
        }
        return Duration.ofNanos(BOUNDS[BOUNDS.length - 1]);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[count=" + count + ", mean=" + mean() + ", counts=" + Arrays.toString(counts) + "]";
    }

    /** The live, thread-safe side: records without allocating (once its adders have spread). */
    static final class Recorder {
        private final AtomicLongArray buckets = new AtomicLongArray(BOUNDS.length + 1);
        private final LongAdder sum = new LongAdder();

        void record(long nanos) {
            long value = Math.max(0, nanos);
            int i = 0;
            while (i < BOUNDS.length && value > BOUNDS[i]) {
                i++;
            }
            buckets.incrementAndGet(i);
            sum.add(value);
        }

        LatencyHistogram snapshot() {
            long[] counts = new long[BOUNDS.length + 1];
            long total = 0;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = buckets.get(i);
                total += counts[i];
            }
            return new LatencyHistogram(counts, total, sum.sum());
        }
    }
}
