package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    /** Magic 00 00 08 rank, big-endian dimensions, then the data. */
    private static byte[] idx(int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, 0x08, (byte) dims.length});
        for (int dim : dims) {
            out.writeBytes(new byte[] {(byte) (dim >>> 24), (byte) (dim >>> 16), (byte) (dim >>> 8), (byte) dim});
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        }
        return out.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private String rejection(String name, byte[] content) throws IOException {
        Path path = file(name, content);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(path));
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void readsPlainLabels() throws Exception {
        IdxFile labels = IdxFile.read(file("labels-idx1-ubyte", idx(new int[] {5}, new byte[] {0, 1, 2, 9, (byte) 255})));
        assertArrayEquals(new int[] {5}, labels.dims());
        assertEquals(5, labels.count());
        assertEquals(1, labels.itemSize());
        assertEquals(5, labels.size());
        assertEquals(9, labels.unsignedAt(3));
        assertEquals(255, labels.unsignedAt(4));
        assertThrows(IndexOutOfBoundsException.class, () -> labels.unsignedAt(5));
        assertThrows(IndexOutOfBoundsException.class, () -> labels.unsignedAt(-1));
    }

    @Test
    void readsGzippedImagesRecognisedByContentNotName() throws Exception {
        byte[] pixels = new byte[2 * 3 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 10);
        }
        IdxFile images = IdxFile.read(file("images.bin", gzip(idx(new int[] {2, 3, 4}, pixels))));
        assertArrayEquals(new int[] {2, 3, 4}, images.dims());
        assertEquals(2, images.count());
        assertEquals(12, images.itemSize());
        assertArrayEquals(Arrays.copyOfRange(pixels, 12, 24), images.item(1));
        assertEquals(230, images.unsignedAt(23));
        assertArrayEquals(pixels, images.data());
        assertThrows(IndexOutOfBoundsException.class, () -> images.item(2));
    }

    @Test
    void readsAPlainFileNamedGz() throws Exception {
        IdxFile idx = IdxFile.read(file("plain.gz", idx(new int[] {1, 1}, new byte[] {42})));
        assertEquals(42, idx.unsignedAt(0));
    }

    @Test
    void readsFromAStream() throws Exception {
        IdxFile idx = IdxFile.read(new ByteArrayInputStream(idx(new int[] {0, 28, 28}, new byte[0])), "empty");
        assertEquals(0, idx.count());
        assertEquals(784, idx.itemSize());
        assertEquals(0, idx.size());
    }

    @Test
    void returnsCopies() throws Exception {
        IdxFile idx = IdxFile.read(file("copy", idx(new int[] {2}, new byte[] {1, 2})));
        idx.dims()[0] = 7;
        idx.data()[0] = 7;
        assertArrayEquals(new int[] {2}, idx.dims());
        assertEquals(1, idx.unsignedAt(0));
    }

    @Test
    void rejectsBadMagic() throws Exception {
        assertMentions(rejection("magic", new byte[] {1, 2, 8, 1, 0, 0, 0, 0}), "not an IDX file", "01 02 08 01");
        assertMentions(rejection("short", new byte[] {0, 0}), "2 bytes", "magic");
        assertMentions(rejection("rank0", new byte[] {0, 0, 8, 0}), "0 dimensions");
    }

    @Test
    void rejectsOtherDataTypes() throws Exception {
        byte[] floats = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0};
        assertMentions(rejection("floats", floats), "data type 0x0d is not supported", "0x08");
    }

    @Test
    void rejectsTruncatedData() throws Exception {
        byte[] truncated = idx(new int[] {5}, new byte[] {1, 2, 3});
        assertMentions(rejection("plain", truncated), "[5] need 5 data bytes but the file has only 3");
        assertMentions(rejection("gzipped", gzip(truncated)), "[5] need 5 data bytes but the file has only 3");
        assertMentions(rejection("header", Arrays.copyOf(truncated, 6)), "truncated header");
    }

    @Test
    void rejectsExtraData() throws Exception {
        byte[] extra = idx(new int[] {2}, new byte[] {1, 2, 3});
        assertMentions(rejection("plain", extra), "need 2 data bytes but the file has 3");
        assertMentions(rejection("gzipped", gzip(extra)), "need 2 data bytes but the file has more than 2");
    }

    @Test
    void rejectsDimensionsTooLargeWithoutAllocatingThem() throws Exception {
        byte[] huge = idx(new int[] {65536, 65536, 65536}, new byte[16]);
        assertMentions(rejection("huge", huge), "[65536, 65536, 65536]", "supported");
        assertMentions(rejection("huge.gz", gzip(huge)), "supported");
        byte[] hidden = idx(new int[] {0, 65536, 65536}, new byte[0]);
        assertMentions(rejection("hidden", hidden), "items of more than");
        byte[] negative = {0, 0, 8, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertMentions(rejection("negative", negative), "dimension 0 is 4294967295");
        // Claims 1 GiB but holds 16 bytes: gzip gives no size up front, so this must fail on reading, not allocating.
        byte[] liar = idx(new int[] {(int) IdxFile.DEFAULT_MAX_BYTES}, new byte[16]);
        assertMentions(rejection("liar.gz", gzip(liar)), "the file has only 16");
        // Claims 2 GB, more than the default limit: refused before reading.
        byte[] greedy = idx(new int[] {Integer.MAX_VALUE - 8}, new byte[16]);
        assertMentions(rejection("greedy.gz", gzip(greedy)), "declare 2147483639 data bytes",
                "more than the limit of 1073741824");
    }

    /** Found by fuzzing: dimensions [83886600, 163381251, 0, 50331648] were read as 83 million empty items. */
    @Test
    void rejectsEmptyItems() throws Exception {
        assertMentions(rejection("empty-items", idx(new int[] {83_886_600, 163_381_251, 0, 50_331_648}, new byte[0])),
                "dimension 2 is 0; only the first (the item count) may be");
        assertEquals(0, IdxFile.read(file("no-items", idx(new int[] {0, 28, 28}, new byte[0]))).count());
    }

    @Test
    void rejectsCorruptGzip() throws Exception {
        byte[] valid = gzip(idx(new int[] {100}, new byte[100]));
        assertMentions(rejection("cut.gz", Arrays.copyOf(valid, valid.length / 2)), "gzip");
        byte[] corrupt = valid.clone();
        corrupt[12] ^= 0x55;
        corrupt[13] ^= 0x55;
        assertThrows(IdxFormatException.class, () -> IdxFile.read(file("corrupt.gz", corrupt)));
        assertMentions(rejection("header.gz", new byte[] {0x1f, (byte) 0x8b, 1}), "gzip");
    }
}
