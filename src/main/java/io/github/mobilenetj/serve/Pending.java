package io.github.mobilenetj.serve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One admitted request: the future its caller holds (so that a request costs one object beyond its
 * result), the slots of the service's input slab its images were copied into, its logits and its
 * deadline. Its images may run in different batches, even on different workers; the last one to
 * finish completes it.
 */
final class Pending extends CompletableFuture<float[]> {

    private static final VarHandle REMAINING;
    private static final VarHandle CLAIMED;

    static {
        try {
            REMAINING = MethodHandles.lookup().findVarHandle(Pending.class, "remaining", int.class);
            CLAIMED = MethodHandles.lookup().findVarHandle(Pending.class, "claimed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int images;
    /** The slot of image 0; {@link #slots} holds all of them when there are several images. */
    private final int slot;
    private final int[] slots;
    final float[] logits;
    /** System.nanoTime() at admission. */
    final long submitted;
    /** System.nanoTime() after which the request must not start; {@link Long#MAX_VALUE} for none. */
    final long deadline;
    final long timeoutNanos;
    /** Images not yet inferred. */
    @SuppressWarnings("unused") // through REMAINING
    private volatile int remaining;
    /** Set by the one service thread that completes the request (see {@link #claim()}). */
    @SuppressWarnings("unused") // through CLAIMED
    private volatile boolean claimed;
    /** Set (before completing it) when the service itself fails the request, to tell that from a caller's cancel. */
    volatile boolean failedByService;
    /** Guarded by the service's lock: the caller's cancel was counted already. */
    boolean cancelCounted;

    Pending(int images, int slot, int[] slots, int classes, long submitted, long deadline, long timeoutNanos) {
        this.images = images;
        this.slot = slot;
        this.slots = slots;
        this.logits = new float[images * classes];
        this.submitted = submitted;
        this.deadline = deadline;
        this.timeoutNanos = timeoutNanos;
        this.remaining = images;
    }

    int slot(int image) {
        return slots == null ? slot : slots[image];
    }

    /** Records one more image inferred; true for the last one. */
    boolean imageDone() {
        return (int) REMAINING.getAndAdd(this, -1) == 1;
    }

    /**
     * Makes the calling service thread the one that completes this request: true once. The service
     * counts the outcome after a successful claim and before completing, so that whoever sees the
     * future complete also sees the counters include it.
     */
    boolean claim() {
        return !isDone() && CLAIMED.compareAndSet(this, false, true);
    }

    /** Fails the request on the service's behalf after a successful {@link #claim()}. */
    void fail(Throwable cause) {
        failedByService = true;
        completeExceptionally(cause);
    }
}
