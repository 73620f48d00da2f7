package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.testing.SpecialFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory, a FIFO or a device given as a weights or data file is "not a regular file", said before
 * the file is opened (opening a FIFO would block until a writer appears), never "no such device" or
 * "file has 0 bytes".
 */
class NonRegularFilesTest {

    /** Generous: the checks take microseconds; without them opening a FIFO blocks forever. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static IOException rejection(Executable open) {
        return assertTimeoutPreemptively(PATIENCE, () -> assertThrows(IOException.class, open));
    }

    private static void assertNotRegular(IOException e, Path path, String kind) {
        assertEquals(path + ": not a regular file (" + kind + ")", e.getMessage());
    }

    @Test
    void directory() {
        assertNotRegular(rejection(() -> SafetensorsFile.open(dir)), dir, "a directory");
        assertNotRegular(rejection(() -> IdxFile.read(dir)), dir, "a directory");
    }

    @Test
    void fifo() {
        Path fifo = SpecialFiles.fifo(dir, "weights.safetensors");
        assumeTrue(fifo != null, "mkfifo is not available");
        assertNotRegular(rejection(() -> SafetensorsFile.open(fifo)), fifo, "a FIFO");
        assertNotRegular(rejection(() -> IdxFile.read(fifo)), fifo, "a FIFO");
    }

    @Test
    void endlessDevice() {
        Path device = SpecialFiles.endlessDevice();
        assumeTrue(device != null, "no /dev/urandom");
        assertNotRegular(rejection(() -> SafetensorsFile.open(device)), device, "a character device");
        assertNotRegular(rejection(() -> IdxFile.read(device)), device, "a character device");
    }

    @Test
    void typesForCallersThatDistinguishThem() {
        IOException notRegular = rejection(() -> RegularFiles.require(dir));
        assertEquals("a directory", assertInstanceOf(NotRegularFileException.class, notRegular).kind());
        Path missing = dir.resolve("missing.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafetensorsFile.open(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        assertThrows(NoSuchFileException.class, () -> IdxFile.read(missing));
        assertTrue(assertThrows(NoSuchFileException.class, () -> RegularFiles.require(missing))
                .getMessage().endsWith("no such file"));
    }
}
