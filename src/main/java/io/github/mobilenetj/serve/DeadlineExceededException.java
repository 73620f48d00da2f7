package io.github.mobilenetj.serve;

import java.time.Duration;

/**
 * The request's deadline passed while it waited in the queue, so it was failed without running
 * (at the deadline, not when a worker would have reached it). A request that has started running
 * completes normally even if its deadline passes during the run: native inference is not
 * interrupted.
 */
public final class DeadlineExceededException extends InferenceServiceException {

    private final long waitedNanos;

    DeadlineExceededException(long timeoutNanos, long waitedNanos) {
        super("deadline exceeded: waited " + Duration.ofNanos(waitedNanos).toMillis() + " ms in the queue, the timeout was "
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms", true);
        this.waitedNanos = waitedNanos;
    }

    /** How long the request had waited when it was failed. */
    public Duration waited() {
        return Duration.ofNanos(waitedNanos);
    }
}
