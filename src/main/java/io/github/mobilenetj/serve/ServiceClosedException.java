package io.github.mobilenetj.serve;

/**
 * The service is closing or closed: a request submitted after {@link InferenceService#close()}
 * began is refused with this at once, and a request still queued (or still being copied in by its
 * {@code submit}) when a close's grace period ends fails with it. Likewise when the service failed
 * to start: a request queued during warm-up fails with it, a later one is refused with it, and
 * {@link InferenceService#awaitReady()} throws it; the warm-up's exception is then its cause. An
 * HTTP server answers 503.
 */
public final class ServiceClosedException extends InferenceServiceException {

    ServiceClosedException(String message) {
        super(message);
    }

    ServiceClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
