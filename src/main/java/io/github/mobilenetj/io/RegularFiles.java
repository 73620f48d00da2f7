package io.github.mobilenetj.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Checks, before a file is opened, that a path names an existing regular file, with messages that say
 * which of "no such file", "permission denied" and "not a regular file" applies. The readers of this
 * package call it; a command line can call it to check its arguments the same way.
 */
public final class RegularFiles {

    private RegularFiles() {
    }

    /**
     * Checks that {@code path} names a regular file (symbolic links are followed) without opening it.
     *
     * @param path the path to check
     * @throws NoSuchFileException     if nothing exists there; message {@code "<path>: no such file"}
     * @throws AccessDeniedException   if its attributes cannot be read; message {@code "<path>: permission denied"}
     * @throws NotRegularFileException if it is a directory, FIFO, device or socket
     * @throws IOException             if the attributes cannot be read for another reason
     */
    public static void require(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            NoSuchFileException better = new NoSuchFileException(path.toString(), null, "no such file");
            better.initCause(e);
            throw better;
        } catch (AccessDeniedException e) {
            AccessDeniedException better = new AccessDeniedException(path.toString(), null, "permission denied");
            better.initCause(e);
            throw better;
        }
        if (!attributes.isRegularFile()) {
            throw new NotRegularFileException(path.toString(), kind(path, attributes));
        }
    }

    /** What a path that is not a regular file names, for messages. */
    static String kind(Path path, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            // The "unix" view exists on Linux and macOS; elsewhere the generic phrase below is used.
            Object mode = Files.getAttribute(path, "unix:mode");
            if (mode instanceof Integer bits) {
                switch (bits & 0xF000) {
                    case 0x1000: return "a FIFO";
                    case 0x2000: return "a character device";
                    case 0x6000: return "a block device";
                    case 0xC000: return "a socket";
                    default: break;
                }
            }
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            // fall through to the generic description
        }
        return "a device, pipe or other special file";
    }
}
