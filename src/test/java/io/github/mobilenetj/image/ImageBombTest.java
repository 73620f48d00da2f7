package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.testing.Allocations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decompression bombs (issue 11, defect 2): a file of a few hundred bytes that declares a huge image is
 * refused from its header, before the raster is allocated, in every format the JDK reads. Before the fix
 * a 177-byte PNG declaring 46000 x 46000 allocated 2.1 GB, a 520-byte progressive JPEG declaring
 * 25000 x 25000 took 106 s and 20 GB of allocations.
 */
class ImageBombTest {

    /** Allocations of refusing a bomb: the reader, its buffers and the message, far from any raster. */
    private static final long REFUSAL_BUDGET = 8L << 20;

    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static void assertRefusedBySize(Allocations.Measurement m, String source, String size, String pixels) {
        InvalidImageException e = m.thrown(InvalidImageException.class);
        assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(" image of " + size + " = " + pixels + " pixels exceeds the limit of"
                + " 89,478,485 pixels"), e.getMessage());
        assertTrue(m.bytes() < REFUSAL_BUDGET, "allocated " + m.megabytes() + " to refuse it");
    }

    @Test
    void pngDeclaring46000Squared() throws IOException {
        byte[] bomb = ImageBombs.pngHeaderBomb(46_000, 46_000);
        assertTrue(bomb.length < 1000, bomb.length + " bytes");
        Path file = write("bomb.png", bomb);
        assertRefusedBySize(Allocations.measure(() -> ImageFiles.read(file)), file.toString(), "46000x46000",
                "2,116,000,000");
        assertRefusedBySize(Allocations.measure(() -> ImageFiles.decode(bomb)), "image data (" + bomb.length
                + " bytes)", "46000x46000", "2,116,000,000");
    }

    @Test
    void completePngOf100Megapixels() throws IOException {
        byte[] png = ImageBombs.pngComplete(10_000, 10_000, 8, 0);
        assertTrue(png.length < 200_000, png.length + " bytes");
        Path file = write("complete.png", png);
        assertRefusedBySize(Allocations.measure(() -> ImageFiles.read(file)), file.toString(), "10000x10000",
                "100,000,000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jpeg", "progressive-jpeg", "gif", "bmp", "tiff"})
    void otherFormatsDeclaring12000Squared(String format) throws IOException {
        byte[] bomb = ImageBombs.declaring(format, 12_000, 12_000);
        assertTrue(bomb.length < 2000, bomb.length + " bytes");
        Path file = write("bomb." + format, bomb);
        assertRefusedBySize(Allocations.measure(() -> ImageFiles.read(file)), file.toString(), "12000x12000",
                "144,000,000");
    }

    /**
     * Found by fuzzing: a TIFF of 17 x 11 pixels whose StripByteCounts declares 536,871,366 bytes made
     * ImageIO's decompressor allocate 512 MB when decoded from memory (from a file, ImageIO compares the
     * count with the file's length; a MemoryCacheImageInputStream has none). The strips must now lie
     * inside the file, whichever way it is read.
     */
    @ParameterizedTest
    @ValueSource(strings = {"JPEG", "Deflate", "LZW", "PackBits"})
    void tiffStripLargerThanTheFile(String compression) throws IOException {
        byte[] tiff = ImageBombs.tiffWithStripByteCount(compression, 536_871_366L);
        Path file = write("strip.tif", tiff);
        String source = "image data (" + tiff.length + " bytes)";
        for (Allocations.Measurement m : new Allocations.Measurement[] {
                Allocations.measure(() -> ImageFiles.decode(tiff)), Allocations.measure(() -> ImageFiles.read(file))}) {
            InvalidImageException e = m.thrown(InvalidImageException.class);
            assertTrue(e.getMessage().startsWith(source + ": corrupt TIF image: strip 0 declares 536871366 bytes at"
                    + " file offset ") || e.getMessage().startsWith(file + ": corrupt TIF image: strip 0 declares"
                    + " 536871366 bytes at file offset "), e.getMessage());
            assertTrue(e.getMessage().endsWith("beyond the end of the " + tiff.length + "-byte file"), e.getMessage());
            assertTrue(m.bytes() < REFUSAL_BUDGET, "allocated " + m.megabytes());
        }
    }

    /** WBMP has one bit per pixel and the JDK only recognises a file that holds them all: no bomb. */
    @Test
    void wbmpIsBoundedByItsFileSize() throws IOException {
        Path file = write("bomb.wbmp", ImageBombs.declaring("wbmp", 12_000, 12_000));
        Allocations.Measurement m = Allocations.measure(() -> ImageFiles.read(file));
        m.thrown(InvalidImageException.class);
        assertTrue(m.bytes() < REFUSAL_BUDGET, "allocated " + m.megabytes());
    }

    /**
     * A truncated progressive JPEG within the limit: the read stops at the first end-of-data warning
     * instead of padding every scan (before: about 33 bytes allocated per declared pixel, and 18 s at
     * 9400 x 9400; now the raster's 3 bytes per pixel).
     */
    @Test
    void truncatedProgressiveJpegIsAbortedEarly() throws IOException {
        Path file = write("prog.jpg", ImageBombs.declaring("progressive-jpeg", 3000, 3000));
        Allocations.Measurement m = Allocations.measure(() -> ImageFiles.read(file));
        InvalidImageException e = m.thrown(InvalidImageException.class);
        assertTrue(e.getMessage().contains("truncated JPEG image"), e.getMessage());
        long raster = 3L * 3000 * 3000;
        assertTrue(m.bytes() < 2 * raster + (16 << 20), "allocated " + m.megabytes() + " for a raster of "
                + raster / 1_000_000 + " MB");
    }

    @Test
    void limitIsConfigurable() throws IOException {
        Path file = write("small.png", ImageBombs.pngComplete(1000, 1000, 8, 0));
        assertEquals(1000, ImageFiles.read(file, 1_000_000).getWidth());
        InvalidImageException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidImageException.class,
                () -> ImageFiles.read(file, 999_999));
        assertTrue(e.getMessage().contains("1000x1000 = 1,000,000 pixels exceeds the limit of 999,999 pixels"),
                e.getMessage());
        assertTrue(e.getMessage().contains("the system property mobilenetj.image.maxPixels sets the limit"),
                e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(InvalidImageException.class,
                () -> ImageFiles.decode(Files.readAllBytes(file), 500_000));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ImageFiles.read(file, 0));

        String old = System.getProperty(ImageFiles.MAX_PIXELS_PROPERTY);
        try {
            System.setProperty(ImageFiles.MAX_PIXELS_PROPERTY, "999999");
            assertEquals(999_999, ImageFiles.maxPixels());
            org.junit.jupiter.api.Assertions.assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
            System.setProperty(ImageFiles.MAX_PIXELS_PROPERTY, "lots");
            IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> ImageFiles.read(file));
            assertTrue(bad.getMessage().contains("mobilenetj.image.maxPixels = 'lots'"), bad.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(ImageFiles.MAX_PIXELS_PROPERTY);
            } else {
                System.setProperty(ImageFiles.MAX_PIXELS_PROPERTY, old);
            }
        }
        assertEquals(ImageFiles.DEFAULT_MAX_PIXELS, ImageFiles.maxPixels());
    }

    /**
     * The largest allocation an image can cause is bounded by the limit: for files of every format that
     * declare just under it, at most the deepest accepted raster (16-bit RGBA, 8 bytes per pixel) plus
     * a constant.
     */
    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "progressive-jpeg", "gif", "bmp", "tiff", "png-rgba16"})
    void allocationIsBoundedByThePixelLimit(String format) throws IOException {
        long limit = 1_000_000;
        byte[] data = format.equals("png-rgba16") ? ImageBombs.pngComplete(1000, 1000, 16, 6)
                : ImageBombs.declaring(format, 1000, 1000);
        Allocations.Measurement m = Allocations.measure(() -> ImageFiles.decode(data, limit));
        assertTrue(m.thrown() == null || m.thrown() instanceof InvalidImageException, () -> "threw " + m.thrown());
        assertTrue(m.bytes() < 8 * limit + (16 << 20), format + ": allocated " + m.megabytes());
        System.out.printf("%s declaring 1000x1000: %s allocated, %s%n", format, m.megabytes(),
                m.thrown() == null ? "decoded" : m.thrown().getMessage());
    }
}
