package io.github.mobilenetj.image;

import java.io.IOException;

/**
 * An image file or byte array that exists but cannot be used: not a regular file (a directory, FIFO or
 * device), empty, truncated, corrupt (a PNG chunk with a bad CRC, a TIFF strip beyond the end of the
 * file), in a format no installed ImageIO reader understands, in a colour model this package does not
 * convert (such as CMYK), or declaring more pixels than the limit of {@link ImageFiles} (a possible
 * decompression bomb). The message names the source and the problem.
 */
public class InvalidImageException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     *
     * @param message what was wrong, starting with the file or data it was found in
     */
    public InvalidImageException(String message) {
        super(message);
    }

    /**
     * Creates an exception with the given message and underlying decoder failure.
     *
     * @param message what was wrong, starting with the file or data it was found in
     * @param cause the decoder's own exception
     */
    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
