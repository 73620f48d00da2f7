package io.github.mobilenetj.server;

/**
 * A request that ends with an error status and the v2 error body {@code {"error": message}}.
 * Thrown anywhere below a handler; the handler turns it into the response.
 */
final class HttpError extends RuntimeException {

    final int status;
    /** Seconds for a {@code Retry-After} header, or 0 for none. */
    final long retryAfterSeconds;

    HttpError(int status, String message) {
        this(status, message, 0, null);
    }

    HttpError(int status, String message, long retryAfterSeconds, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }
}
