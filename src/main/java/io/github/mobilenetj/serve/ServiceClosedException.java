package io.github.mobilenetj.serve;

/**
 * The service is closing or closed: a request submitted after {@link InferenceService#close()}
 * began is refused with this at once, and a request still queued when a close's grace period ends
 * (or when the service failed to start) fails with it. An HTTP server answers 503.
 */
public final class ServiceClosedException extends InferenceServiceException {

    ServiceClosedException(String message) {
        super(message);
    }

    ServiceClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
