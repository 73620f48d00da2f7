package io.github.mobilenetj.io;

import java.nio.file.FileSystemException;

/**
 * A path names something that exists but is not a regular file: a directory, a named pipe (FIFO), a
 * device such as {@code /dev/urandom}, or a socket. Readers refuse such paths before opening them, since
 * opening a FIFO blocks until a writer appears and a device can stream without end.
 *
 * <p>The message reads {@code "<path>: not a regular file (a directory)"}.
 */
public final class NotRegularFileException extends FileSystemException {

    private final String kind;

    /**
     * Creates an exception.
     *
     * @param file the path as given
     * @param kind what the path names instead, such as {@code "a directory"} or {@code "a character device"}
     */
    public NotRegularFileException(String file, String kind) {
        super(file, null, "not a regular file (" + kind + ")");
        this.kind = kind;
    }

    /**
     * Returns what the path names instead of a regular file.
     *
     * @return a phrase such as {@code "a directory"}, {@code "a FIFO"} or {@code "a character device"}
     */
    public String kind() {
        return kind;
    }
}
