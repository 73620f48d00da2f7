package io.github.mobilenetj.serve;

/**
 * The request was not admitted: the service's queue has fewer free places than the request has
 * images (it holds at most {@link InferenceService#queueCapacity()} images, so a request of several
 * images may be refused before the queue is full). Thrown at once by every {@code submit} and
 * {@code run} method and by {@code classify}, without waiting; nothing was queued, so the caller
 * may retry later (an HTTP server answers 429 with {@code Retry-After}).
 *
 * <p>Rejection is the service's answer to overload, so it is made cheap: one instance per service,
 * without a stack trace, is thrown every time (so its message and suppressed exceptions are the
 * same for every rejection; {@code addSuppressed} has no effect on it).
 */
public final class QueueFullException extends InferenceServiceException {

    /** The capacity of the queue that refused the request, in images. */
    private final int capacity;

    QueueFullException(int capacity) {
        super("the inference queue has no room for the request (capacity " + capacity + " images); retry later", true);
        this.capacity = capacity;
    }

    /**
     * The queue capacity, in images, that was reached.
     *
     * @return the {@link InferenceService#queueCapacity()} of the service that refused the request;
     *     the same for every rejection by that service, whatever the request's size
     */
    public int capacity() {
        return capacity;
    }
}
