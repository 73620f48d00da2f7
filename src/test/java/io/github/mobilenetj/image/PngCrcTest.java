package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A PNG chunk whose CRC does not match its data (issue 11): ImageIO ignores CRCs; Pillow 9.4 refuses a bad
 * CRC in any chunk before the image data and libpng in any critical chunk (IDAT included). The reader
 * refuses both kinds and names the chunk and its file offset; chunks after the image data are not
 * checked, as in Pillow. Verified with Debian's Pillow 9.4.0 on the same bytes: IHDR and tEXt-before refused,
 * IDAT, tEXt-after and IEND accepted.
 */
class PngCrcTest {

    /** A 4 x 4 grayscale PNG with a tEXt chunk before and after the image data; one CRC may be wrong. */
    private static byte[] png(String bad) {
        byte[] raw = new byte[4 * 5];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                raw[y * 5 + 1 + x] = (byte) (x * 60 + y);
            }
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        byte[] zlib = new byte[100];
        int length = deflater.deflate(zlib);
        deflater.end();
        return ImageBombs.concat(ImageBombs.PNG_SIGNATURE,
                ImageBombs.chunk("IHDR", ImageBombs.ihdr(4, 4, 8, 0), bad.equals("IHDR")),
                ImageBombs.chunk("tEXt", "a\0b".getBytes(StandardCharsets.US_ASCII), bad.equals("tEXt-before")),
                ImageBombs.chunk("IDAT", java.util.Arrays.copyOf(zlib, length), bad.equals("IDAT")),
                ImageBombs.chunk("tEXt", "c\0d".getBytes(StandardCharsets.US_ASCII), bad.equals("tEXt-after")),
                ImageBombs.chunk("IEND", new byte[0], bad.equals("IEND")));
    }

    @ParameterizedTest(name = "bad CRC in {0}")
    @CsvSource({"IHDR, 8", "tEXt-before, 33", "IDAT, 48"})
    void badCrcIsRefusedNamingTheChunkAndOffset(String chunk, long offset) {
        byte[] data = png(chunk);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.decode(data));
        String type = chunk.replace("-before", "");
        assertTrue(e.getMessage().startsWith("image data (" + data.length + " bytes): corrupt PNG image: chunk "
                + type + " at file offset " + offset + " has CRC "), e.getMessage());
        assertTrue(e.getMessage().contains("but its data gives"), e.getMessage());
    }

    @ParameterizedTest(name = "bad CRC in {0}")
    @CsvSource({"none", "tEXt-after", "IEND"})
    void chunksAfterTheImageDataAreNotChecked(String chunk) throws Exception {
        assertEquals(4, ImageFiles.decode(png(chunk)).getWidth());
    }

    @org.junit.jupiter.api.Test
    void invalidChunkTypeIsRefused() {
        byte[] data = png("none");
        data[33 + 4] = '1'; // the tEXt chunk's type becomes 1EXt
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.decode(data));
        assertTrue(e.getMessage().contains("invalid chunk type (bytes 31 45 58 74) at file offset 33"), e.getMessage());
    }
}
