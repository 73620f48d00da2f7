package io.github.mobilenetj.image;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteOrder;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks, before ImageIO decodes a TIFF, that the strips or tiles of its first image lie inside the
 * file. ImageIO's TIFF decompressors allocate a buffer of each strip's declared byte count before
 * reading it: found by fuzzing, a 937-byte TIFF whose StripByteCounts says 536,871,366 made the reader
 * allocate 512 MB. libtiff (and so Pillow) checks such counts against the file size too.
 */
final class TiffStrips {

    private static final int STRIP_OFFSETS = 273;
    private static final int STRIP_BYTE_COUNTS = 279;
    private static final int TILE_OFFSETS = 324;
    private static final int TILE_BYTE_COUNTS = 325;
    private static final int SHORT = 3;
    private static final int LONG = 4;

    private TiffStrips() {
    }

    /**
     * Reads the first IFD of the TIFF in {@code in} (of {@code length} bytes) and refuses strips or tiles
     * that reach beyond the end of the file; leaves the stream positioned at 0 and its byte order as it
     * found it. Anything it cannot make sense of is left to the decoder, which reports it.
     *
     * @throws InvalidImageException naming the strip or tile, its offset and byte count
     */
    static void verify(ImageInputStream in, long length, String source) throws IOException {
        ByteOrder order = in.getByteOrder();
        try {
            in.seek(0);
            int b0 = in.read();
            int b1 = in.read();
            if (b0 == 'I' && b1 == 'I') {
                in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
            } else if (b0 == 'M' && b1 == 'M') {
                in.setByteOrder(ByteOrder.BIG_ENDIAN);
            } else {
                return;
            }
            if (in.readUnsignedShort() != 42) {
                return; // BigTIFF (43), which ImageIO does not read, or not a TIFF
            }
            long ifd = in.readUnsignedInt();
            if (ifd + 2 > length) {
                return;
            }
            in.seek(ifd);
            int entries = in.readUnsignedShort();
            Field stripOffsets = null;
            Field stripCounts = null;
            Field tileOffsets = null;
            Field tileCounts = null;
            for (int e = 0; e < entries && ifd + 2 + 12L * (e + 1) <= length; e++) {
                in.seek(ifd + 2 + 12L * e);
                int tag = in.readUnsignedShort();
                if (tag != STRIP_OFFSETS && tag != STRIP_BYTE_COUNTS && tag != TILE_OFFSETS && tag != TILE_BYTE_COUNTS) {
                    continue;
                }
                Field field = field(in, length, source, tag, ifd + 2 + 12L * e);
                switch (tag) {
                    case STRIP_OFFSETS -> stripOffsets = field;
                    case STRIP_BYTE_COUNTS -> stripCounts = field;
                    case TILE_OFFSETS -> tileOffsets = field;
                    default -> tileCounts = field;
                }
            }
            check(in, stripOffsets, stripCounts, "strip", length, source);
            check(in, tileOffsets, tileCounts, "tile", length, source);
        } catch (EOFException e) {
            // a truncated IFD: the decoder reports it
        } finally {
            in.setByteOrder(order);
            in.seek(0);
        }
    }

    /** A SHORT or LONG field: its element size, value count and where the values are. */
    private record Field(int size, long count, long position) {
    }

    /** The field of the entry at {@code entry}; null for a type other than SHORT or LONG, left to the decoder. */
    private static Field field(ImageInputStream in, long length, String source, int tag, long entry) throws IOException {
        int type = in.readUnsignedShort();
        long count = in.readUnsignedInt();
        int size = type == SHORT ? 2 : type == LONG ? 4 : 0;
        if (size == 0) {
            return null;
        }
        long bytes = count * size;
        if (bytes <= 4) {
            return new Field(size, count, entry + 8);
        }
        long at = in.readUnsignedInt();
        if (bytes > length || at > length - bytes) {
            throw new InvalidImageException(source + ": corrupt TIF image: field " + name(tag) + " declares " + count
                    + " values at file offset " + at + ", beyond the end of the " + length + "-byte file");
        }
        return new Field(size, count, at);
    }

    /** Reads the pairs of offsets and byte counts in chunks, so that a field of millions costs little memory. */
    private static void check(ImageInputStream in, Field offsets, Field counts, String what, long length,
                              String source) throws IOException {
        if (offsets == null || counts == null) {
            return;
        }
        long n = Math.min(offsets.count(), counts.count());
        int chunk = 1024;
        long[] offset = new long[chunk];
        long[] count = new long[chunk];
        for (long first = 0; first < n; first += chunk) {
            int k = (int) Math.min(chunk, n - first);
            read(in, offsets, first, offset, k);
            read(in, counts, first, count, k);
            for (int i = 0; i < k; i++) {
                if (count[i] > length - Math.min(offset[i], length)) {
                    throw new InvalidImageException(source + ": corrupt TIF image: " + what + " " + (first + i)
                            + " declares " + count[i] + " bytes at file offset " + offset[i] + ", beyond the end of the "
                            + length + "-byte file");
                }
            }
        }
    }

    private static void read(ImageInputStream in, Field field, long first, long[] into, int k) throws IOException {
        in.seek(field.position() + first * field.size());
        for (int i = 0; i < k; i++) {
            into[i] = field.size() == 2 ? in.readUnsignedShort() : in.readUnsignedInt();
        }
    }

    private static String name(int tag) {
        return switch (tag) {
            case STRIP_OFFSETS -> "StripOffsets";
            case STRIP_BYTE_COUNTS -> "StripByteCounts";
            case TILE_OFFSETS -> "TileOffsets";
            default -> "TileByteCounts";
        };
    }
}
