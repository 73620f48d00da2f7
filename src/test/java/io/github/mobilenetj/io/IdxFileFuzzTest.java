package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mobilenetj.testing.Allocations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the IDX reader (Jazzer), plain and gzip-compressed, whole and bounded. The
 * first byte of an input chooses the item limit (0: all); the rest is the file.
 *
 * <p>Properties: a file is rejected with an {@link IdxFormatException} naming it, or read with data that
 * matches its dimensions and the limits; reading never allocates much more than the byte limit.
 */
class IdxFileFuzzTest {

    private static final long MAX_BYTES = 1 << 20;
    private static final Path FILE = temporaryFile();

    private static Path temporaryFile() {
        try {
            Path dir = Files.createTempDirectory("mobilenetj-fuzz-idx");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("input-idx");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    @Timeout(10)
    void read(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int maxItems = input[0] == 0 ? Integer.MAX_VALUE : input[0] & 0xFF;
        byte[] data = Arrays.copyOfRange(input, 1, input.length);
        Files.write(FILE, data);
        IdxFile[] read = new IdxFile[1];
        Allocations.Measurement m = Allocations.measure(() -> read[0] = IdxFile.read(FILE, maxItems, MAX_BYTES));
        // gzip's buffers and the growth of the data array (up to twice the data) on top of the limit
        assertTrue(m.bytes() < 3 * MAX_BYTES + (1 << 20), () -> "allocated " + m.megabytes());
        if (m.thrown() != null) {
            IdxFormatException e = m.thrown(IdxFormatException.class);
            assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
        } else {
            check(read[0], maxItems);
        }
        // The stream variant agrees with the file variant on plain data.
        if (data.length < 2 || (data[0] & 0xFF) != 0x1f || (data[1] & 0xFF) != 0x8b) {
            IdxFile fromStream = null;
            try {
                fromStream = IdxFile.read(new ByteArrayInputStream(data), "stream", maxItems, MAX_BYTES);
                check(fromStream, maxItems);
            } catch (IdxFormatException e) {
                assertTrue(e.getMessage().startsWith("stream: "), e.getMessage());
            }
            if (read[0] != null && maxItems == Integer.MAX_VALUE) {
                assertTrue(fromStream != null, "read from the file but not from a stream");
                assertTrue(Arrays.equals(read[0].data(), fromStream.data()));
            }
        }
    }

    private static void check(IdxFile idx, int maxItems) {
        int[] dims = idx.dims();
        long product = 1;
        for (int dim : dims) {
            product *= dim;
        }
        assertEquals(product, idx.size());
        assertTrue(idx.count() <= maxItems && idx.count() <= idx.declaredCount());
        assertTrue(idx.size() <= MAX_BYTES);
        for (int i = 0; i < idx.count(); i++) {
            assertEquals(idx.itemSize(), idx.item(i).length);
        }
    }
}
