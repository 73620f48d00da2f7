package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding + conversion against Pillow's {@code Image.open(p).convert('RGB' / 'L')}. */
class ModeConversionTest {

    @ParameterizedTest
    @ValueSource(strings = {"rgb_300x200.jpg", "gray_180x240.png", "palette_150x100.png", "rgba_120x90.png",
            "rgb16_40x30.png", "gray16_40x30.png", "bilevel_33x17.png", "la_33x17.png", "palette_33x17.gif",
            "rgb_33x17.bmp"})
    void rgbMatchesPillow(String image) throws IOException {
        Pixels8 pixels = ModeConversion.convert(ImageFiles.read(Fixtures.path(image)), 3);
        assertArrayEquals(Fixtures.bytes(image + ".rgb.u8"), interleaved(pixels), image);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rgb_300x200.jpg", "palette_150x100.png", "rgba_120x90.png", "la_33x17.png",
            "palette_33x17.gif", "rgb_33x17.bmp"})
    void luminanceMatchesPillow(String image) throws IOException {
        Pixels8 pixels = ModeConversion.convert(ImageFiles.read(Fixtures.path(image)), 1);
        assertArrayEquals(Fixtures.bytes(image + ".l.u8"), interleaved(pixels), image);
    }

    @Test
    void lumaUsesPillowsFixedPointWeights() {
        assertEquals(0, ModeConversion.luma(0, 0, 0));
        assertEquals(255, ModeConversion.luma(255, 255, 255));
        assertEquals(76, ModeConversion.luma(255, 0, 0)); // (255 * 19595 + 32768) >> 16
        assertEquals(150, ModeConversion.luma(0, 255, 0));
        assertEquals(29, ModeConversion.luma(0, 0, 255));
        for (int v = 0; v < 256; v++) {
            assertEquals(v, ModeConversion.luma(v, v, v), "gray stays gray");
        }
    }

    @Test
    void grayIsReplicatedWithoutColourManagement() {
        // getRGB() would map linear gray 128 to sRGB ~186; Pillow copies the stored value.
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 128);
        gray.getRaster().setSample(1, 0, 0, 7);
        Pixels8 rgb = ModeConversion.convert(gray, 3);
        assertArrayEquals(new byte[] {(byte) 128, 7, (byte) 128, 7, (byte) 128, 7}, rgb.data);
    }

    @Test
    void alphaIsDroppedNotComposited() {
        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00FF8040); // fully transparent orange
        Pixels8 rgb = ModeConversion.convert(argb, 3);
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0x80, 0x40}, rgb.data);
    }

    @Test
    void paletteIsExpanded() {
        byte[] r = {0, (byte) 200};
        byte[] g = {0, 100};
        byte[] b = {0, 50};
        BufferedImage indexed = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, r, g, b));
        indexed.getRaster().setSample(1, 0, 0, 1);
        Pixels8 rgb = ModeConversion.convert(indexed, 3);
        assertArrayEquals(new byte[] {0, (byte) 200, 0, 100, 0, 50}, rgb.data);
        Pixels8 l = ModeConversion.convert(indexed, 1);
        assertEquals(ModeConversion.luma(200, 100, 50), l.get(0, 0, 1));
    }

    @Test
    void sixteenBitKeepsTheHighByte() {
        BufferedImage gray16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(0, 0, 0, 0xABCD);
        gray16.getRaster().setSample(1, 0, 0, 0x00FF);
        Pixels8 l = ModeConversion.convert(gray16, 1);
        assertArrayEquals(new byte[] {(byte) 0xAB, 0x00}, l.data);
    }

    @Test
    void cmykIsRejectedWithAdvice() {
        ColorSpace cmyk = new CmykStandIn();
        ComponentColorModel model = new ComponentColorModel(cmyk, false, false, Transparency.OPAQUE,
                DataBuffer.TYPE_BYTE);
        WritableRaster raster = model.createCompatibleWritableRaster(2, 2);
        BufferedImage image = new BufferedImage(model, raster, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModeConversion.convert(image, 3));
        assertTrue(e.getMessage().contains("CMYK") && e.getMessage().contains("convert the image to RGB"), e.getMessage());
    }

    @Test
    void floatSamplesAreRejected() {
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_FLOAT);
        BufferedImage image = new BufferedImage(model, model.createCompatibleWritableRaster(2, 2), false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModeConversion.convert(image, 1));
        assertTrue(e.getMessage().contains("32-bit float"), e.getMessage());
    }

    /** Pillow's HWC byte order, for comparison with the fixtures. */
    static byte[] interleaved(Pixels8 pixels) {
        byte[] out = new byte[pixels.data.length];
        int i = 0;
        for (int y = 0; y < pixels.height; y++) {
            for (int x = 0; x < pixels.width; x++) {
                for (int c = 0; c < pixels.channels; c++) {
                    out[i++] = (byte) pixels.get(c, y, x);
                }
            }
        }
        return out;
    }

    /** A minimal 4-component CMYK colour space (the JDK has no built-in CMYK instance). */
    private static final class CmykStandIn extends ColorSpace {
        private static final long serialVersionUID = 1L;

        CmykStandIn() {
            super(ColorSpace.TYPE_CMYK, 4);
        }

        @Override
        public float[] toRGB(float[] value) {
            return new float[3];
        }

        @Override
        public float[] fromRGB(float[] rgb) {
            return new float[4];
        }

        @Override
        public float[] toCIEXYZ(float[] value) {
            return new float[3];
        }

        @Override
        public float[] fromCIEXYZ(float[] xyz) {
            return new float[4];
        }
    }
}
