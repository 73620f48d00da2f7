package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.testing.SpecialFiles;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory, FIFO or device given as an image is "not a regular file" (issue 11), not "empty". */
class ImageNonRegularFilesTest {

    @TempDir
    Path dir;

    private static void assertNotRegular(Path path, String kind) {
        InvalidImageException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(InvalidImageException.class, () -> ImageFiles.read(path)));
        assertEquals(path + ": not a regular file (" + kind + "), expected an image file", e.getMessage());
    }

    @Test
    void directory() {
        assertNotRegular(dir, "a directory");
    }

    @Test
    void fifo() {
        Path fifo = SpecialFiles.fifo(dir, "image.png");
        assumeTrue(fifo != null, "mkfifo is not available");
        assertNotRegular(fifo, "a FIFO");
    }

    @Test
    void endlessDevice() {
        Path device = SpecialFiles.endlessDevice();
        assumeTrue(device != null, "no /dev/urandom");
        assertNotRegular(device, "a character device");
    }
}
