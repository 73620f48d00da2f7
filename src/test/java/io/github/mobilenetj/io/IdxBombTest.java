package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.testing.Allocations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gzip "bomb" of IDX images (issue 11, defect 16): 1.5 MB that decompress to 1.57 GB, 2,000,000 images
 * of 28 x 28. The default read refuses it before reading its data; a bounded read takes the first images
 * only and never decompresses the rest.
 */
class IdxBombTest {

    private static final int IMAGES = 2_000_000;
    private static final int SIDE = 28;

    @TempDir
    Path dir;

    private Path bomb;

    /**
     * The IDX header, then 1.57 GB of zeros as concatenated gzip members (GZIPInputStream reads them as one
     * stream): one member of 1 MiB of zeros, compressed once and repeated, so the test builds it in
     * milliseconds.
     */
    @BeforeEach
    void writeBomb() throws IOException {
        long dataBytes = (long) IMAGES * SIDE * SIDE;
        int chunk = 1 << 20;
        byte[] header = {0, 0, 8, 3, 0, 0x1E, (byte) 0x84, (byte) 0x80, 0, 0, 0, SIDE, 0, 0, 0, SIDE};
        assertEquals(IMAGES, (header[4] & 0xFF) << 24 | (header[5] & 0xFF) << 16 | (header[6] & 0xFF) << 8 | (header[7] & 0xFF));
        byte[] zerosMember = gzip(new byte[chunk]);
        bomb = dir.resolve("t10k-images-idx3-ubyte.gz");
        try (OutputStream out = Files.newOutputStream(bomb)) {
            out.write(gzip(header));
            for (long written = 0; written < dataBytes; written += chunk) {
                out.write(written + chunk <= dataBytes ? zerosMember : gzip(new byte[(int) (dataBytes - written)]));
            }
        }
        assertTrue(Files.size(bomb) < 2_000_000, "the bomb is " + Files.size(bomb) + " bytes");
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        }
        return out.toByteArray();
    }

    @Test
    void defaultReadRefusesTheBombBeforeReadingIt() {
        Allocations.Measurement m = Allocations.measure(() -> IdxFile.read(bomb));
        IdxFormatException e = m.thrown(IdxFormatException.class);
        assertTrue(e.getMessage().startsWith(bomb + ": dimensions [2000000, 28, 28] declare 1568000000 data bytes,"
                + " more than the limit of 1073741824"), e.getMessage());
        assertTrue(m.bytes() < (4 << 20), "allocated " + m.megabytes());
    }

    @Test
    void boundedReadTakesTheFirstItemsOnly() throws Exception {
        Allocations.Measurement m = Allocations.measure(() -> {
            IdxFile first = IdxFile.read(bomb, 100, 1 << 20);
            assertArrayEquals(new int[] {100, SIDE, SIDE}, first.dims());
            assertEquals(100, first.count());
            assertEquals(IMAGES, first.declaredCount());
            assertEquals(100 * SIDE * SIDE, first.size());
        });
        assertEquals(null, m.thrown());
        assertTrue(m.bytes() < (4 << 20), "allocated " + m.megabytes());
    }

    @Test
    void boundedReadRefusesMoreThanItsByteLimit() {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(bomb, 10_000, 1_000_000));
        assertTrue(e.getMessage().contains("the first 10000 items of dimensions [2000000, 28, 28] hold 7840000"
                + " data bytes, more than the limit of 1000000"), e.getMessage());
    }

    @Test
    void boundedReadOfAPlainFileStillChecksItsLength() throws IOException {
        byte[] plain = {0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6};
        Path file = Files.write(dir.resolve("labels"), plain);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(file, 2, 100));
        assertTrue(e.getMessage().contains("need 5 data bytes but the file has 6"), e.getMessage());
        Path good = Files.write(dir.resolve("good"), java.util.Arrays.copyOf(plain, 13));
        IdxFile two = IdxFile.read(good, 2, 100);
        assertArrayEquals(new byte[] {1, 2}, two.data());
        assertEquals(5, two.declaredCount());
    }

    @Test
    void boundedReadOfATruncatedStreamSaysSo() throws IOException {
        Path cut = Files.write(dir.resolve("cut.gz"), gzip(new byte[] {0, 0, 8, 1, 0, 0, 0, 5, 1}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(cut, 3, 100));
        assertTrue(e.getMessage().contains("declare more data than the file has: it ends after 1 data bytes"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IdxFile.read(cut, -1, 100));
        assertThrows(IllegalArgumentException.class, () -> IdxFile.read(cut, 1, Integer.MAX_VALUE));
    }
}
