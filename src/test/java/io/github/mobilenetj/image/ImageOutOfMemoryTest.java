package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ImageIO's PNG reader catches the {@link OutOfMemoryError} of a raster that does not fit in the heap and
 * wraps it in an IIOException ("Caught exception during read"), which used to be reported as a "corrupt
 * or truncated PNG image" (issue 11, defect 2). A valid image within the pixel limit decoded in a JVM of
 * 32 MB of heap must end in an OutOfMemoryError that names the file and the size.
 */
class ImageOutOfMemoryTest {

    @TempDir
    Path dir;

    @Test
    void outOfMemoryIsNotReportedAsACorruptFile() throws IOException, InterruptedException {
        Path file = Files.write(dir.resolve("rgba.png"), ImageBombs.pngComplete(3000, 3000, 8, 6)); // 36 MB raster
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-Xmx32m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), DecodeChild.class.getName(), file.toString(),
                "100000000").redirectErrorStream(true).start();
        String output;
        try (var in = child.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not finish");
        assertEquals(0, child.exitValue(), output);
        String last = output.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("THREW java.lang.OutOfMemoryError: " + file + ": out of memory decoding a"
                + " 3000x3000 PNG image"), output);
        assertTrue(!last.contains("corrupt"), output);
    }
}
