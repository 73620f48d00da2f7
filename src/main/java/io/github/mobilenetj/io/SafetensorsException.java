package io.github.mobilenetj.io;

import java.io.IOException;

/**
 * A safetensors file is malformed: its message names the file and, where it applies, the tensor and the
 * byte offset in the file at which the problem was found.
 */
public final class SafetensorsException extends IOException {

    /**
     * Creates an exception.
     *
     * @param message what is wrong, starting with the file's name
     */
    public SafetensorsException(String message) {
        super(message);
    }

    /**
     * Creates an exception with an underlying cause.
     *
     * @param message what is wrong, starting with the file's name
     * @param cause   the failure that revealed the problem
     */
    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with the file as a whole: "{file}: {problem}". */
    static SafetensorsException of(String fileName, String problem) {
        return new SafetensorsException(fileName + ": " + problem);
    }

    /** A problem found at a byte offset of the file: "{file}: {problem} (at file offset {offset})". */
    static SafetensorsException at(String fileName, String problem, long fileOffset) {
        return new SafetensorsException(fileName + ": " + problem + " (at file offset " + fileOffset + ")");
    }
}
