package io.github.mobilenetj.serve;

/**
 * Why an {@link InferenceService} did not answer a request: the base of {@link QueueFullException}
 * (not admitted), {@link DeadlineExceededException} (admitted, but its deadline passed before it
 * ran) and {@link ServiceClosedException} (the service is closing or closed, or failed to start).
 * Anything else that fails a request (an error of the inference itself, even an {@link Error})
 * arrives as this class with the cause attached; every request with an image in the failed batch
 * fails so.
 */
public class InferenceServiceException extends RuntimeException {

    /**
     * An exception with a message and, optionally, a cause.
     *
     * @param message the detail message, returned by {@link #getMessage()}
     * @param cause what failed the request (the service passes the exception the inference threw),
     *     returned by {@link #getCause()}; {@code null} if unknown
     */
    public InferenceServiceException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * An exception with a message.
     *
     * @param message the detail message, returned by {@link #getMessage()}; the cause stays
     *     {@code null} until {@link #initCause(Throwable)} sets it
     */
    public InferenceServiceException(String message) {
        super(message);
    }

    /** For the allocation-light subclasses: no stack trace, no suppression. */
    InferenceServiceException(String message, boolean lightweight) {
        super(message, null, !lightweight, !lightweight);
    }
}
