package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Sizes, validation and hand-checkable cases of the three transforms. */
class TransformsTest {

    @Test
    void standardIs256Then224() {
        ImageNetTransform t = ImageNetTransform.standard();
        assertEquals(256, t.resizeSize());
        assertEquals(224, t.cropSize());
        assertEquals(3, t.channels());
        assertEquals(3 * 224 * 224, t.elementCount());
        assertEquals(Normalization.imageNet(), t.normalization());
    }

    @Test
    void resizeScalesWithResolutionRoundingHalfUp() {
        assertEquals(256, ImageNetTransform.resizeFor(224));
        assertEquals(219, ImageNetTransform.resizeFor(192)); // 219.43
        assertEquals(183, ImageNetTransform.resizeFor(160)); // 182.86
        assertEquals(146, ImageNetTransform.resizeFor(128)); // 146.29
        assertEquals(73, ImageNetTransform.resizeFor(64)); // 73.14
        assertEquals(8, ImageNetTransform.resizeFor(7)); // 8.0 exactly
        ImageTransform t = ImageTransform.imageNet(160);
        assertEquals(160, t.height());
        assertEquals(160, t.width());
    }

    @Test
    void existingFactoriesStayBilinear() {
        assertEquals(ImageNetTransform.Interpolation.BILINEAR, ImageNetTransform.standard().interpolation());
        assertEquals(ImageNetTransform.Interpolation.BILINEAR, ImageNetTransform.forResolution(160).interpolation());
        assertEquals(ImageNetTransform.Interpolation.BILINEAR,
                ImageNetTransform.of(36, 32, Normalization.imageNet()).interpolation());
        ImageNetTransform bicubic = ImageNetTransform.of(36, 32, Normalization.imageNet(),
                ImageNetTransform.Interpolation.BICUBIC);
        assertEquals(ImageNetTransform.Interpolation.BICUBIC, bicubic.interpolation());
        assertTrue(bicubic.toString().contains("bicubic"), bicubic.toString());
    }

    @Test
    void cropFractionFloorsLikeTimm() {
        // timm's transforms_imagenet_eval: scale_size = math.floor(img_size / crop_pct).
        assertEquals(256, ImageNetTransform.resizeFor(224, 0.875)); // 256.0 exactly
        assertEquals(248, ImageNetTransform.resizeFor(224, 0.9)); // 248.9
        assertEquals(269, ImageNetTransform.resizeFor(256, 0.95)); // 269.5
        assertEquals(224, ImageNetTransform.resizeFor(224, 1.0));
        assertEquals(182, ImageNetTransform.resizeFor(160, 0.875)); // 182.86; resizeFor(160) rounds to 183
        assertEquals(219, ImageNetTransform.resizeFor(192, 0.875)); // 219.43
        assertEquals(Integer.MAX_VALUE, ImageNetTransform.resizeFor(1, 1.0 / Integer.MAX_VALUE));
        ImageNetTransform t = ImageNetTransform.ofCropFraction(224, 0.875, ImageNetTransform.Interpolation.BICUBIC,
                Normalization.imageNet());
        assertEquals(256, t.resizeSize());
        assertEquals(224, t.cropSize());
        assertEquals(ImageNetTransform.Interpolation.BICUBIC, t.interpolation());
    }

    @Test
    void cropFractionOutsideZeroToOneIsRejected() {
        for (double bad : new double[] {0.0, -0.5, 1.0000001, 2.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ImageNetTransform.resizeFor(224, bad), "crop fraction " + bad);
            assertTrue(e.getMessage().contains("crop fraction"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageNetTransform.resizeFor(224, 1e-300));
        assertTrue(e.getMessage().contains("more than " + Integer.MAX_VALUE), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageNetTransform.resizeFor(0, 0.875));
        assertThrows(NullPointerException.class,
                () -> ImageNetTransform.ofCropFraction(224, 0.875, null, Normalization.imageNet()));
    }

    @Test
    void aLongerSideBeyondIntIsRejectedBeforeWriting() {
        ImageNetTransform t = ImageNetTransform.of(Integer.MAX_VALUE / 2, 4, Normalization.none(1));
        float[] out = new float[16];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.apply(solid(3, 1, 0xFFFFFF), PixelLayout.CHW, out, 0));
        assertTrue(e.getMessage().contains("3x1") && e.getMessage().contains("longer"), e.getMessage());
        assertArrayEquals(new float[16], out);
    }

    @Test
    void solidImageStaysSolidThroughBicubic() {
        // Bicubic taps are normalised to 1, so a constant image stays constant, even with ringing filters.
        ImageNetTransform t = ImageNetTransform.ofCropFraction(24, 0.875, ImageNetTransform.Interpolation.BICUBIC,
                Normalization.none(3));
        for (BufferedImage image : new BufferedImage[] {solid(101, 37, 0x336699), solid(7, 9, 0x336699)}) {
            float[] out = t.apply(image, PixelLayout.CHW);
            for (int i = 0; i < out.length; i++) {
                assertEquals(new int[] {0x33, 0x66, 0x99}[i / (24 * 24)] / 255f, out[i], 0f, "index " + i);
            }
        }
    }

    @Test
    void invalidSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ImageNetTransform.forResolution(0));
        assertThrows(IllegalArgumentException.class, () -> ImageNetTransform.of(0, 224, Normalization.imageNet()));
        assertThrows(IllegalArgumentException.class, () -> PadTransform.of(0, 3, Normalization.imageNet()));
        assertThrows(IllegalArgumentException.class, () -> ResizeBilinearTransform.of(-1, Normalization.imageNet()));
    }

    @Test
    void oneChannelNormalisationMakesAGrayscaleTransform() {
        Normalization gray = Normalization.of(new float[] {0.5f}, new float[] {0.5f});
        ImageNetTransform t = ImageNetTransform.of(36, 32, gray);
        assertEquals(1, t.channels());
        assertEquals(32 * 32, t.apply(solid(50, 40, 0x808080), PixelLayout.CHW).length);
    }

    @Test
    void solidImageStaysSolidThroughResizeAndCrop() {
        float[] out = ImageNetTransform.forResolution(24).apply(solid(101, 37, 0x336699), PixelLayout.CHW);
        float[] expected = {
            (0x33 / 255f - 0.485f) / 0.229f, (0x66 / 255f - 0.456f) / 0.224f, (0x99 / 255f - 0.406f) / 0.225f};
        for (int i = 0; i < out.length; i++) {
            assertEquals(expected[i / (24 * 24)], out[i], 0f, "index " + i);
        }
    }

    @Test
    void padCentresTheImageWithTheExtraZeroAfter() {
        Normalization none = Normalization.none(1);
        BufferedImage image = solid(2, 1, 0xFFFFFF);
        float[] out = PadTransform.of(4, 5, none).apply(image, PixelLayout.CHW);
        // width margin 3: one zero left, two right; height margin 3: one above, two below.
        float[] expected = new float[20];
        expected[5 + 1] = 1f;
        expected[5 + 2] = 1f;
        assertArrayEquals(expected, out);
    }

    @Test
    void padNormalisesThePaddingAsRawZero() {
        Normalization fashion = Normalization.of(new float[] {0.286f}, new float[] {0.353f});
        float[] out = PadTransform.of(4, fashion).apply(solid(2, 2, 0x000000), PixelLayout.CHW);
        for (float v : out) {
            assertEquals((0f - 0.286f) / 0.353f, v, 0f);
        }
    }

    @Test
    void padRejectsLargerImages() {
        PadTransform t = PadTransform.of(28, Normalization.none(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.apply(solid(29, 28, 0), PixelLayout.CHW));
        assertTrue(e.getMessage().contains("image is 29x28") && e.getMessage().contains("pads to 28x28"), e.getMessage());
    }

    @Test
    void bilinearResizeOfTheSameSizeIsToTensor() {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 10, 20, 200, 254, 255};
        image.getRaster().setPixels(0, 0, 3, 2, values);
        float[] out = ResizeBilinearTransform.of(2, 3, Normalization.none(1)).apply(image, PixelLayout.CHW);
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i] / 255f, out[i], 0f);
        }
    }

    @Test
    void normalizationValidatesItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(new float[] {0f, 0f}, new float[] {1f, 1f}));
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(new float[] {0f}, new float[] {1f, 1f, 1f}));
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(new float[] {0f}, new float[] {0f}));
        assertThrows(IllegalArgumentException.class, () -> Normalization.of(new float[] {Float.NaN}, new float[] {1f}));
        float[] mean = {0.1f};
        Normalization n = Normalization.of(mean, new float[] {0.2f});
        mean[0] = 9f;
        assertEquals(0.1f, n.mean(0));
    }

    static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }
}
