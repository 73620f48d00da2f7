package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mobilenetj.testing.Allocations;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Coverage-guided fuzzing of the IDX reader (Jazzer), plain and gzip-compressed, whole and bounded. The
 * first byte of an input chooses the item limit (0: all); the rest is the file, read from memory through
 * {@link IdxFile#read(InputStream, String, int, long)} (the path variant adds only the gzip detection,
 * which this test does the same way).
 *
 * <p>Properties: a file is rejected with an {@link IdxFormatException} naming it, or read with data that
 * matches its dimensions and the limits, identical to the whole read's first items; reading never
 * allocates much more than the byte limit, whatever the header declares.
 */
class IdxFileFuzzTest {

    private static final long MAX_BYTES = 1 << 20;
    private static final String NAME = "fuzz-idx";

    @FuzzTest
    void read(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int maxItems = input[0] == 0 ? Integer.MAX_VALUE : input[0] & 0xFF;
        byte[] data = Arrays.copyOfRange(input, 1, input.length);
        // gzip's buffers and the growth of the data array (up to twice the data) on top of the limit
        long bound = 3 * MAX_BYTES + (2 << 20);
        IdxFile[] read = new IdxFile[2];
        Allocations.Measurement m = Allocations.measureSettled(() -> {
            read[0] = null;
            read[0] = read(data, maxItems);
        }, bound);
        assertTrue(m.bytes() < bound, () -> "allocated " + m.megabytes());
        if (m.thrown() != null) {
            IdxFormatException e = m.thrown(IdxFormatException.class);
            assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
            return;
        }
        IdxFile idx = read[0];
        int[] dims = idx.dims();
        long product = 1;
        for (int dim : dims) {
            product *= dim;
        }
        assertEquals(product, idx.size());
        assertTrue(idx.count() <= maxItems && idx.count() <= idx.declaredCount());
        assertTrue(idx.size() <= MAX_BYTES);
        if (idx.count() > 0) {
            assertTrue(idx.itemSize() > 0, "empty items");
            assertEquals(idx.itemSize(), idx.item(0).length);
            assertEquals(idx.itemSize(), idx.item(idx.count() - 1).length);
        }
        if (maxItems != Integer.MAX_VALUE && idx.count() == maxItems) {
            // The bounded read holds the whole read's first items, if the whole file is valid too.
            try {
                IdxFile whole = read(data, Integer.MAX_VALUE);
                assertArrayEquals(Arrays.copyOf(whole.data(), idx.size()), idx.data());
            } catch (IdxFormatException e) {
                // the rest of the file may be malformed or beyond the limit: the prefix was not checked
            }
        }
    }

    private static IdxFile read(byte[] data, int maxItems) throws IOException {
        boolean gzip = data.length >= 2 && (data[0] & 0xFF) == 0x1f && (data[1] & 0xFF) == 0x8b;
        if (!gzip) {
            return IdxFile.read(new ByteArrayInputStream(data), NAME, maxItems, MAX_BYTES);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return IdxFile.read(in, NAME, maxItems, MAX_BYTES);
        } catch (EOFException | ZipException e) {
            // What IdxFile.read(Path) reports for a gzip header it cannot read.
            throw new IdxFormatException(NAME + ": corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }
}
