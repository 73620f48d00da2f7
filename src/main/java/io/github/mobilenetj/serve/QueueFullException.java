package io.github.mobilenetj.serve;

/**
 * The request was not admitted: the service's queue holds as many images as it may
 * ({@link InferenceService#queueCapacity()}). Thrown at once by every {@code submit} and {@code run}
 * method, without waiting; nothing was queued, so the caller may retry later (an HTTP server
 * answers 429 with {@code Retry-After}).
 *
 * <p>Rejection is the service's answer to overload, so it is made cheap: one instance per service,
 * without a stack trace, is thrown every time.
 */
public final class QueueFullException extends InferenceServiceException {

    private final int capacity;

    QueueFullException(int capacity) {
        super("the inference queue is full (" + capacity + " images waiting); retry later", true);
        this.capacity = capacity;
    }

    /** The queue capacity, in images, that was reached. */
    public int capacity() {
        return capacity;
    }
}
