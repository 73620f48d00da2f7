package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mobilenetj.testing.Allocations;
import java.awt.image.BufferedImage;

/**
 * Coverage-guided fuzzing of image decoding (Jazzer): {@link ImageFiles#decode(byte[], long)} on any bytes,
 * with every format ImageIO reads (the seeds hold PNG, JPEG, GIF, BMP, WBMP and TIFF files), then the
 * preprocessing of whatever decodes.
 *
 * <p>Properties: only {@link InvalidImageException} escapes; a decoded image is within the pixel limit
 * and convertible by the transforms; decoding allocates at most the deepest accepted raster at the limit
 * (8 bytes per pixel) plus a constant, whatever the file declares.
 */
class ImageFilesFuzzTest {

    private static final long MAX_PIXELS = 1 << 20;
    private static final ImageTransform[] TRANSFORMS = {
        ImageNetTransform.of(20, 16, Normalization.imageNet()),
        ResizeBilinearTransform.of(12, 9, Normalization.of(new float[] {0.5f}, new float[] {0.25f})),
    };

    @FuzzTest
    void decode(byte[] data) {
        BufferedImage[] decoded = new BufferedImage[1];
        long bound = 8 * MAX_PIXELS + (16 << 20);
        Allocations.Measurement m = Allocations.measureSettled(() -> {
            decoded[0] = null;
            decoded[0] = ImageFiles.decode(data, MAX_PIXELS);
        }, bound);
        assertTrue(m.bytes() < bound, () -> "decoding " + data.length + " bytes allocated "
                + m.megabytes() + (m.thrown() == null ? "" : " and threw " + m.thrown()));
        if (m.thrown() != null) {
            InvalidImageException e = m.thrown(InvalidImageException.class);
            assertTrue(e.getMessage().startsWith("image data (" + data.length + " bytes): "), e.getMessage());
            return;
        }
        BufferedImage image = decoded[0];
        assertTrue((long) image.getWidth() * image.getHeight() <= MAX_PIXELS);
        for (ImageTransform transform : TRANSFORMS) {
            float[] chw = transform.apply(image, PixelLayout.CHW);
            assertEquals(transform.elementCount(), chw.length);
            for (float v : chw) {
                assertTrue(Float.isFinite(v), "non-finite output");
            }
        }
    }
}
