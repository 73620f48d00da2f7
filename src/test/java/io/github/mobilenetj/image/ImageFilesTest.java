package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding and the error messages for files that are not usable images. */
class ImageFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsAJpeg() throws IOException {
        BufferedImage image = ImageFiles.read(Fixtures.path("rgb_300x200.jpg"));
        assertEquals(300, image.getWidth());
        assertEquals(200, image.getHeight());
    }

    @Test
    void decodesBytesLikeTheFile() throws IOException {
        BufferedImage fromFile = ImageFiles.read(Fixtures.path("palette_150x100.png"));
        BufferedImage fromBytes = ImageFiles.decode(Fixtures.bytes("palette_150x100.png"));
        ImageTransform transform = ImageNetTransform.forResolution(32);
        assertArrayEquals(transform.apply(fromFile, PixelLayout.CHW), transform.apply(fromBytes, PixelLayout.CHW));
    }

    @Test
    void truncatedJpegIsAnError() throws IOException {
        byte[] jpeg = Fixtures.bytes("rgb_300x200.jpg");
        Path file = write("cut.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "truncated JPEG image");
    }

    @Test
    void truncatedPngIsAnError() throws IOException {
        byte[] png = Fixtures.bytes("gray_180x240.png");
        Path file = write("cut.png", Arrays.copyOf(png, png.length / 2));
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "corrupt or truncated PNG image");
    }

    @Test
    void corruptJpegBodyIsAnError() throws IOException {
        byte[] jpeg = Fixtures.bytes("rgb_300x200.jpg");
        byte[] broken = Arrays.copyOf(jpeg, 700); // headers only, then garbage instead of scan data
        Random random = new Random(1);
        byte[] tail = new byte[400];
        random.nextBytes(tail);
        Path file = write("garbled.jpg", concat(broken, tail));
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "JPEG image");
    }

    @Test
    void randomBytesAreNotAnImage() throws IOException {
        byte[] noise = new byte[1000];
        new Random(42).nextBytes(noise);
        noise[0] = 0x13; // make sure no format signature matches by accident
        Path file = write("noise.jpg", noise);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "not an image in a supported format", "found data starting with bytes 13",
                "expected one of", "PNG", "JPEG");
    }

    @Test
    void textIsNotAnImage() {
        InvalidImageException e = assertThrows(InvalidImageException.class,
                () -> ImageFiles.decode("<html>not found</html>".getBytes()));
        assertMessage(e, "image data (22 bytes)", "not an image in a supported format", "3C 68 74 6D");
    }

    @Test
    void emptyFileIsAnError() throws IOException {
        Path file = write("empty.png", new byte[0]);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "file is empty (0 bytes)");
        assertThrows(InvalidImageException.class, () -> ImageFiles.decode(new byte[0]));
    }

    @Test
    void missingFileAndDirectory() {
        Path missing = dir.resolve("missing.jpg");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageFiles.read(missing));
        assertMessage(e, missing.toString(), "does not exist");
        InvalidImageException d = assertThrows(InvalidImageException.class, () -> ImageFiles.read(dir));
        assertMessage(d, dir.toString(), "not a regular file (a directory)");
    }

    @Test
    void cmykJpegIsRejectedWithAdvice() {
        Path file = Fixtures.path("cmyk_64x48.jpg");
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageFiles.read(file));
        assertMessage(e, file.toString(), "CMYK", "not supported", "convert the image to RGB");
    }

    @Test
    void transformConvenienceReportsTheFile() throws IOException {
        Path file = write("noise.png", new byte[] {1, 2, 3, 4, 5});
        InvalidImageException e = assertThrows(InvalidImageException.class,
                () -> ImageNetTransform.standard().apply(file));
        assertMessage(e, file.toString());
    }

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message lacks '" + part + "': " + e.getMessage());
        }
    }
}
