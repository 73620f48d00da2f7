package io.github.mobilenetj.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX file of unsigned bytes, the format of MNIST and Fashion-MNIST, read whole into memory.
 *
 * <p>The format is a magic number {@code 00 00 08 n} (08: unsigned byte data, n: number of dimensions),
 * n big-endian 32-bit dimensions, then the data in row-major order. Files may be gzip-compressed, as they
 * are usually distributed; that is recognised by the gzip magic bytes, not the file name. Other IDX data
 * types (signed byte, short, int, float, double) are not supported.
 *
 * <p>Reading is bounded: {@link #read(Path, int, long)} reads only the first items of a file and refuses
 * data larger than a byte limit before allocating it, so a small gzip file that declares gigabytes (a
 * decompression bomb) costs no more than the caller allows. The other methods apply
 * {@link #DEFAULT_MAX_BYTES}.
 *
 * <p>Instances are immutable.
 */
public final class IdxFile {

    /** The IDX type code of unsigned byte data. */
    static final int UNSIGNED_BYTE = 0x08;

    /** The largest array the JVM reliably allocates, and so the largest data this class can hold. */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * The data limit of the methods without one: 1 GiB. The largest IDX data sets in use are far smaller
     * (Fashion-MNIST and MNIST training images: 47 MB; EMNIST ByClass: 547 MB).
     */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /** Growth starts small so that a header claiming huge dimensions costs nothing until data arrives. */
    private static final int INITIAL_CHUNK = 1 << 20;

    private final int[] dims;
    private final int declaredCount;
    private final int itemSize;
    private final byte[] data;

    private IdxFile(int[] dims, int declaredCount, int itemSize, byte[] data) {
        this.dims = dims;
        this.declaredCount = declaredCount;
        this.itemSize = itemSize;
        this.data = data;
    }

    /**
     * Reads an IDX file, plain or gzip-compressed, whole, with at most {@link #DEFAULT_MAX_BYTES} of data.
     *
     * @param path the file
     * @return its dimensions and data
     * @throws IdxFormatException      if the file is not an unsigned-byte IDX file whose data length matches
     *                                 its dimensions, or holds more data than the limit; the message names
     *                                 the file
     * @throws NoSuchFileException     if there is no such file
     * @throws NotRegularFileException if the path names a directory, FIFO, device or socket
     * @throws IOException             if the file cannot be read
     */
    public static IdxFile read(Path path) throws IOException {
        return read(path, Integer.MAX_VALUE, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads the first {@code maxItems} items of an IDX file, plain or gzip-compressed, refusing to hold more
     * than {@code maxBytes} bytes of data. Reading stops after those items: the rest of the file is neither
     * read nor decompressed. When every declared item is read, the file must end where its dimensions say.
     *
     * <p>The returned file's {@link #count()} and first dimension are the number of items read,
     * {@code min(declared, maxItems)}; {@link #declaredCount()} is the header's.
     *
     * @param path     the file
     * @param maxItems the most items to read (e.g. a command line's {@code --limit}); {@code Integer.MAX_VALUE}
     *                 for all
     * @param maxBytes the most data bytes to hold, at most {@link #MAX_ARRAY_LENGTH}; checked against the
     *                 header's dimensions before anything is allocated
     * @return the dimensions and data of the items read
     * @throws IdxFormatException       if the file is malformed, its data is shorter or longer than its
     *                                  dimensions say, or the items to read hold more than {@code maxBytes}
     *                                  bytes; the message names the file, the dimensions and the limit
     * @throws NoSuchFileException      if there is no such file
     * @throws NotRegularFileException  if the path names a directory, FIFO, device or socket
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if {@code maxItems} is negative or {@code maxBytes} is out of range
     */
    public static IdxFile read(Path path, int maxItems, long maxBytes) throws IOException {
        checkLimits(maxItems, maxBytes);
        String source = path.toString();
        RegularFiles.require(path);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(path))) {
            if (!isGzip(file)) {
                return read(file, source, Files.size(path), maxItems, maxBytes);
            }
            try (InputStream gzip = new GZIPInputStream(file)) {
                return read(gzip, source, -1, maxItems, maxBytes);
            }
        } catch (EOFException | ZipException e) {
            throw corruptGzip(source, e);
        }
    }

    /**
     * Reads an uncompressed IDX stream to its end, with at most {@link #DEFAULT_MAX_BYTES} of data. The
     * stream is not closed.
     *
     * @param in     the stream, positioned at the magic number
     * @param source names the stream in error messages
     * @return its dimensions and data
     * @throws IdxFormatException if the stream is not an unsigned-byte IDX file whose data length matches
     *                            its dimensions, or holds more data than the limit
     */
    public static IdxFile read(InputStream in, String source) throws IOException {
        return read(in, source, Integer.MAX_VALUE, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads the first {@code maxItems} items of an uncompressed IDX stream, as {@link #read(Path, int, long)}
     * does. The stream is not closed; when fewer items than declared are read, it is left after the last
     * one read.
     *
     * @param in       the stream, positioned at the magic number
     * @param source   names the stream in error messages
     * @param maxItems the most items to read
     * @param maxBytes the most data bytes to hold, at most {@link #MAX_ARRAY_LENGTH}
     * @return the dimensions and data of the items read
     * @throws IdxFormatException       as {@link #read(Path, int, long)}
     * @throws IllegalArgumentException if {@code maxItems} is negative or {@code maxBytes} is out of range
     */
    public static IdxFile read(InputStream in, String source, int maxItems, long maxBytes) throws IOException {
        checkLimits(maxItems, maxBytes);
        return read(in, source, -1, maxItems, maxBytes);
    }

    private static void checkLimits(int maxItems, long maxBytes) {
        if (maxItems < 0) {
            throw new IllegalArgumentException("maxItems must not be negative: " + maxItems);
        }
        if (maxBytes < 0 || maxBytes > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("maxBytes must be in [0, " + MAX_ARRAY_LENGTH + "]: " + maxBytes);
        }
    }

    /** @param knownSize the stream's total length, if known in advance, else -1 */
    private static IdxFile read(InputStream in, String source, long knownSize, int maxItems, long maxBytes)
            throws IOException {
        try {
            int[] dims = readHeader(in, source);
            int itemSize = itemSize(dims, source);
            long expected = (long) dims[0] * itemSize;
            if (knownSize >= 0) {
                // Checked before reading, so a lying header costs no allocation.
                long actual = knownSize - headerLength(dims);
                if (actual != expected) {
                    throw lengthMismatch(source, dims, expected, actual < expected ? "only " + actual : actual + "");
                }
            }
            int items = Math.min(dims[0], maxItems);
            long wanted = (long) items * itemSize;
            if (wanted > maxBytes) {
                String what = items == dims[0] ? "dimensions " + Arrays.toString(dims) + " declare " + wanted
                        : "the first " + items + " items of dimensions " + Arrays.toString(dims) + " hold " + wanted;
                throw new IdxFormatException(source + ": " + what + " data bytes, more than the limit of " + maxBytes);
            }
            byte[] data = readData(in, (int) wanted, source, dims, items == dims[0]);
            int[] held = dims.clone();
            held[0] = items;
            return new IdxFile(held, dims[0], itemSize, data);
        } catch (EOFException | ZipException e) {
            throw corruptGzip(source, e);
        }
    }

    /** Wraps what the gzip layer raises for a truncated or corrupt stream. */
    private static IdxFormatException corruptGzip(String source, IOException e) {
        return new IdxFormatException(source + ": corrupt or truncated gzip data: " + e.getMessage(), e);
    }

    private static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == 0x1f && second == 0x8b;
    }

    private static int[] readHeader(InputStream in, String source) throws IOException {
        byte[] magic = new byte[4];
        int got = in.readNBytes(magic, 0, 4);
        if (got < 4) {
            throw new IdxFormatException(source + ": " + got + " bytes, too short for the 4-byte IDX magic number");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(source + ": not an IDX file: magic number " + hex(magic)
                    + " does not start with 00 00");
        }
        int type = magic[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new IdxFormatException(source + ": IDX data type 0x" + String.format("%02x", type)
                    + " is not supported; only 0x08 (unsigned byte) is");
        }
        int rank = magic[3] & 0xFF;
        if (rank == 0) {
            throw new IdxFormatException(source + ": IDX file declares 0 dimensions");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            byte[] dim = new byte[4];
            int read = in.readNBytes(dim, 0, 4);
            if (read < 4) {
                throw new IdxFormatException(source + ": truncated header: ends in dimension " + i + " of " + rank);
            }
            dims[i] = (dim[0] & 0xFF) << 24 | (dim[1] & 0xFF) << 16 | (dim[2] & 0xFF) << 8 | (dim[3] & 0xFF);
            if (dims[i] < 0) {
                throw new IdxFormatException(source + ": dimension " + i + " is "
                        + Integer.toUnsignedString(dims[i]) + ", beyond the supported 2^31-1");
            }
            if (dims[i] == 0 && i > 0) {
                // Items of no data: found by fuzzing, [83886600, 163381251, 0, 50331648] passed as 83 million
                // empty items. Only the item count may be 0.
                throw new IdxFormatException(source + ": dimension " + i + " is 0; only the first (the item count)"
                        + " may be");
            }
        }
        return dims;
    }

    /** The product of all dimensions but the first; checked on its own so a first dimension of 0 hides nothing. */
    private static int itemSize(int[] dims, String source) throws IdxFormatException {
        long size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
            // Each factor is below 2^31, so checking after every step keeps the product below 2^62.
            if (size > MAX_ARRAY_LENGTH) {
                throw new IdxFormatException(source + ": dimensions " + Arrays.toString(dims)
                        + " describe items of more than the " + MAX_ARRAY_LENGTH + " bytes supported");
            }
        }
        return (int) size;
    }

    private static long headerLength(int[] dims) {
        return 4 + 4L * dims.length;
    }

    /** Reads exactly {@code length} bytes, then, if {@code whole}, checks that the stream ends. */
    private static byte[] readData(InputStream in, int length, String source, int[] dims, boolean whole)
            throws IOException {
        // Grown as data arrives rather than allocated from the header's claim, which may be a lie.
        byte[] data = new byte[Math.min(length, INITIAL_CHUNK)];
        int filled = 0;
        while (filled < length) {
            if (filled == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
            }
            int read = in.read(data, filled, data.length - filled);
            if (read < 0) {
                if (whole) {
                    throw lengthMismatch(source, dims, length, "only " + filled);
                }
                throw new IdxFormatException(source + ": dimensions " + Arrays.toString(dims)
                        + " declare more data than the file has: it ends after " + filled + " data bytes");
            }
            filled += read;
        }
        if (whole && in.read() >= 0) {
            throw lengthMismatch(source, dims, length, "more than " + length);
        }
        return data;
    }

    private static IdxFormatException lengthMismatch(String source, int[] dims, long expected, String actual) {
        return new IdxFormatException(source + ": dimensions " + Arrays.toString(dims) + " need " + expected
                + " data bytes but the file has " + actual);
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            text.append(text.isEmpty() ? "" : " ").append(String.format("%02x", b & 0xFF));
        }
        return text.toString();
    }

    /**
     * Returns the dimensions of the data held.
     *
     * @return a copy of the dimensions, outermost first; the first is {@link #count()}
     */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * Returns the number of items held: images in an image file, labels in a label file.
     *
     * @return the first dimension: the header's, or fewer if a bounded read stopped early
     */
    public int count() {
        return dims[0];
    }

    /**
     * Returns the number of items the file's header declares.
     *
     * @return the header's first dimension; more than {@link #count()} when a bounded read stopped early
     */
    public int declaredCount() {
        return declaredCount;
    }

    /**
     * Returns the number of bytes per item.
     *
     * @return the product of all dimensions but the first; 1 for labels
     */
    public int itemSize() {
        return itemSize;
    }

    /**
     * Returns the total size of the data.
     *
     * @return the number of data bytes, the product of all dimensions
     */
    public int size() {
        return data.length;
    }

    /**
     * Returns one value of the data.
     *
     * @param index a flat row-major index, below {@link #size()}
     * @return the unsigned byte there, 0..255
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public int unsignedAt(long index) {
        Objects.checkIndex(index, data.length);
        return data[(int) index] & 0xFF;
    }

    /**
     * Returns one item, such as one image.
     *
     * @param index the item's index, below {@link #count()}
     * @return a copy of its {@link #itemSize()} bytes
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public byte[] item(int index) {
        Objects.checkIndex(index, count());
        return Arrays.copyOfRange(data, index * itemSize, index * itemSize + itemSize);
    }

    /**
     * Returns all the data.
     *
     * @return a copy of the data in row-major order
     */
    public byte[] data() {
        return data.clone();
    }

    @Override
    public String toString() {
        return "IdxFile" + Arrays.toString(dims);
    }
}
