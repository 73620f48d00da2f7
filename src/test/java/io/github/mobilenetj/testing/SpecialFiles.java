package io.github.mobilenetj.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Paths that exist but are not regular files, for tests of the readers' checks. */
public final class SpecialFiles {

    private SpecialFiles() {
    }

    /** Makes a FIFO with {@code mkfifo}; returns null where that command is unavailable (Windows). */
    public static Path fifo(Path dir, String name) {
        Path fifo = dir.resolve(name);
        try {
            Process process = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return null;
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return Files.exists(fifo) ? fifo : null;
    }

    /** {@code /dev/urandom}, a character device that never ends, or null where there is none. */
    public static Path endlessDevice() {
        Path device = Path.of("/dev/urandom");
        return Files.exists(device) ? device : null;
    }
}
