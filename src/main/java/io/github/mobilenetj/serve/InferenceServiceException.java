package io.github.mobilenetj.serve;

/**
 * Why an {@link InferenceService} did not answer a request: the base of {@link QueueFullException}
 * (not admitted), {@link DeadlineExceededException} (admitted, but its deadline passed before it
 * ran) and {@link ServiceClosedException} (the service is closing or closed). Anything else that
 * fails a request (an error of the inference itself) arrives as this class with the cause attached.
 */
public class InferenceServiceException extends RuntimeException {

    /** An exception with a message and, optionally, a cause. */
    public InferenceServiceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An exception with a message. */
    public InferenceServiceException(String message) {
        super(message);
    }

    /** For the allocation-light subclasses: no stack trace, no suppression. */
    InferenceServiceException(String message, boolean lightweight) {
        super(message, null, !lightweight, !lightweight);
    }
}
