package io.github.mobilenetj.io;

import java.io.IOException;

/** An IDX file is malformed or of an unsupported kind; the message names the file and the problem. */
public final class IdxFormatException extends IOException {

    /**
     * Creates an exception.
     *
     * @param message what is wrong, starting with the file's name
     */
    public IdxFormatException(String message) {
        super(message);
    }

    /**
     * Creates an exception with an underlying cause.
     *
     * @param message what is wrong, starting with the file's name
     * @param cause   the failure that revealed the problem
     */
    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
