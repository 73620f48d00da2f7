package io.github.mobilenetj.testing;

import java.lang.management.ManagementFactory;

/**
 * Measures the bytes the calling thread allocates on the Java heap while it runs some code, with
 * HotSpot's per-thread allocation counter ({@code com.sun.management.ThreadMXBean}). The count is
 * exact up to the TLAB-granular bookkeeping of a few kilobytes and does not depend on garbage
 * collection or on other threads, so a generous bound on it is a deterministic test. Native memory
 * (such as libjpeg's buffers) is not counted.
 */
public final class Allocations {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocations() {
    }

    /** Code that may throw anything; the throwable is kept, not rethrown. */
    @FunctionalInterface
    public interface Action {
        void run() throws Throwable;
    }

    /** What an action allocated and what, if anything, it threw. */
    public record Measurement(long bytes, Throwable thrown) {
        /** The throwable, which must be of {@code type}; fails with what happened otherwise. */
        public <T extends Throwable> T thrown(Class<T> type) {
            if (!type.isInstance(thrown)) {
                throw new AssertionError("expected " + type.getName() + " but got " + thrown, thrown);
            }
            return type.cast(thrown);
        }

        /** "12.3 MB" for messages. */
        public String megabytes() {
            return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
    }

    /**
     * Like {@link #measure}, but if the action allocates {@code bound} bytes or more, runs it once more and
     * returns that second measurement. The first run of a code path loads classes on the calling thread,
     * and under a fuzzer also instruments them, which allocates megabytes that have nothing to do with the
     * input; the action must be repeatable (same input, same result).
     */
    public static Measurement measureSettled(Action action, long bound) {
        Measurement first = measure(action);
        return first.bytes() < bound ? first : measure(action);
    }

    /** Runs {@code action} on this thread and returns the bytes it allocated and what it threw. */
    public static Measurement measure(Action action) {
        if (!THREADS.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        THREADS.setThreadAllocatedMemoryEnabled(true);
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = null;
        try {
            action.run();
        } catch (Throwable t) {
            thrown = t;
        }
        return new Measurement(THREADS.getCurrentThreadAllocatedBytes() - before, thrown);
    }
}
