package io.github.mobilenetj.serve;

import java.time.Duration;

/**
 * The request's deadline passed while it waited in the queue, so it was failed without running
 * (at the deadline, not when a worker would have reached it). A request that has started running
 * completes normally even if its deadline passes during the run: native inference is not
 * interrupted. Its images count as started once a worker has taken them into a batch, including
 * while the worker waits for the batch to fill ({@link InferenceService.Builder#maxQueueDelay}).
 *
 * <p>Only ever the failure of a request's future (never thrown by {@code submit}); a new instance
 * per request, without a stack trace.
 */
public final class DeadlineExceededException extends InferenceServiceException {

    /** How long the request had waited when it was failed, in nanoseconds. */
    private final long waitedNanos;

    DeadlineExceededException(long timeoutNanos, long waitedNanos) {
        super("deadline exceeded: waited " + Duration.ofNanos(waitedNanos).toMillis() + " ms in the queue, the timeout was "
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms", true);
        this.waitedNanos = waitedNanos;
    }

    /**
     * How long the request had waited when it was failed.
     *
     * @return the time from its admission by {@code submit} (before its input was copied in) until
     *     it was failed; at least its timeout, and more by however late the deadline thread or a
     *     worker got to it
     */
    public Duration waited() {
        return Duration.ofNanos(waitedNanos);
    }
}
