package io.github.mobilenetj.image;

import java.io.IOException;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks the chunk structure and CRCs of a PNG file before ImageIO decodes it; ImageIO's PNG reader
 * ignores CRCs.
 *
 * <p>Every chunk up to the end of the image data (the last {@code IDAT}) must have a valid type and
 * length and a matching CRC. That is what Pillow checks (every chunk before the image data) plus the
 * {@code IDAT} chunks, whose bad CRC libpng treats as an error like that of any critical chunk. Chunks
 * after the image data are not checked, as in Pillow. A file that ends early is left to the decoder,
 * which reports the truncation.
 */
final class PngChunks {

    /** The 8-byte PNG signature precedes the first chunk. */
    private static final int SIGNATURE_LENGTH = 8;

    /** The PNG specification's limit on a chunk's data length. */
    private static final long MAX_CHUNK_LENGTH = 0x7FFF_FFFFL;

    private static final int IDAT = 0x49444154;

    private PngChunks() {
    }

    /**
     * Walks the chunks of the PNG in {@code in} from its start and leaves the stream positioned at 0.
     *
     * @throws InvalidImageException naming the chunk and its file offset if a chunk has an invalid type,
     *     an invalid length or a CRC that does not match its data
     */
    static void verify(ImageInputStream in, String source) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        CRC32 crc = new CRC32();
        long offset = SIGNATURE_LENGTH;
        boolean seenImageData = false;
        try {
            in.seek(offset);
            while (true) {
                if (readFully(in, buffer, 8) < 8) {
                    return;
                }
                long length = (buffer[0] & 0xFFL) << 24 | (buffer[1] & 0xFF) << 16 | (buffer[2] & 0xFF) << 8
                        | (buffer[3] & 0xFF);
                int type = (buffer[4] & 0xFF) << 24 | (buffer[5] & 0xFF) << 16 | (buffer[6] & 0xFF) << 8
                        | (buffer[7] & 0xFF);
                if (seenImageData && type != IDAT) {
                    return; // after the image data: not checked, as in Pillow
                }
                if (!isChunkType(buffer, 4)) {
                    throw new InvalidImageException(String.format(Locale.ROOT,
                            "%s: corrupt PNG image: invalid chunk type (bytes %02X %02X %02X %02X) at file offset %d",
                            source, buffer[4], buffer[5], buffer[6], buffer[7], offset));
                }
                String name = new String(buffer, 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
                if (length > MAX_CHUNK_LENGTH) {
                    throw new InvalidImageException(source + ": corrupt PNG image: chunk " + name + " at file offset "
                            + offset + " declares " + length + " bytes, more than the 2^31-1 PNG allows");
                }
                crc.reset();
                crc.update(buffer, 4, 4);
                long remaining = length;
                while (remaining > 0) {
                    int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                    if (read < 0) {
                        return;
                    }
                    crc.update(buffer, 0, read);
                    remaining -= read;
                }
                if (readFully(in, buffer, 4) < 4) {
                    return;
                }
                long stored = (buffer[0] & 0xFFL) << 24 | (buffer[1] & 0xFF) << 16 | (buffer[2] & 0xFF) << 8
                        | (buffer[3] & 0xFF);
                if (stored != crc.getValue()) {
                    throw new InvalidImageException(String.format(Locale.ROOT,
                            "%s: corrupt PNG image: chunk %s at file offset %d has CRC %08X but its data gives %08X",
                            source, name, offset, stored, crc.getValue()));
                }
                seenImageData |= type == IDAT;
                offset += 12 + length;
            }
        } finally {
            in.seek(0);
        }
    }

    /** Four ASCII letters, as the specification requires of chunk types. */
    private static boolean isChunkType(byte[] bytes, int from) {
        for (int i = from; i < from + 4; i++) {
            int c = bytes[i];
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    private static int readFully(ImageInputStream in, byte[] buffer, int length) throws IOException {
        int filled = 0;
        while (filled < length) {
            int read = in.read(buffer, filled, length - filled);
            if (read < 0) {
                break;
            }
            filled += read;
        }
        return filled;
    }
}
