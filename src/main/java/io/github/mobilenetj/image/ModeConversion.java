package io.github.mobilenetj.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Pillow's {@code Image.convert('RGB')} and {@code convert('L')} for the images ImageIO decodes.
 *
 * <p>Samples are read from the raster as stored, never through {@link BufferedImage#getRGB}: Java
 * would colour-manage grayscale (linear gray to sRGB) and 16-bit data, while Pillow copies the
 * stored numbers. Rules, matching Pillow unless noted:
 * <ul>
 *   <li>grayscale is replicated into R, G and B;
 *   <li>palette images are expanded through the palette (any palette alpha is ignored);
 *   <li>alpha is dropped, not composited over a background;
 *   <li>16-bit samples keep their high byte ({@code v >> 8}), which is what Pillow does for 16-bit
 *       RGB(A) PNGs. For 16-bit grayscale Pillow 9-11 opens mode 'I' and clips values above 255 to
 *       255 on conversion, saturating almost every pixel; that is deliberately not reproduced;
 *   <li>components narrower than 8 bits are scaled as {@code v * 255 / max} (Pillow's unpackers for
 *       1/2/4-bit gray and 5/6-bit RGB do the same truncating scale);
 *   <li>'L' from colour uses Pillow's ITU-R 601-2 fixed-point luma (Convert.c, {@code L24}):
 *       {@code (R*19595 + G*38470 + B*7471 + 0x8000) >> 16}.
 * </ul>
 * CMYK (which ImageIO yields for CMYK and YCCK JPEGs) and other colour spaces are rejected.
 */
final class ModeConversion {
    private ModeConversion() {}

    /** Pillow's luma of an 8-bit RGB triple. */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * Converts {@code image} to Pillow mode 'L' ({@code channels == 1}) or 'RGB' ({@code channels == 3}).
     *
     * @throws IllegalArgumentException if the image's colour model is not supported
     */
    static Pixels8 convert(BufferedImage image, int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (mode 'L') or 3 (mode 'RGB'), got " + channels);
        }
        RowReader reader = RowReader.of(image);
        int width = image.getWidth();
        int height = image.getHeight();
        Pixels8 out = new Pixels8(width, height, channels);
        int[] r = new int[width];
        int[] g = new int[width];
        int[] b = new int[width];
        byte[] data = out.data;
        for (int y = 0; y < height; y++) {
            reader.read(y, r, g, b);
            int row = y * width;
            if (channels == 3) {
                int p1 = out.plane(1) + row;
                int p2 = out.plane(2) + row;
                for (int x = 0; x < width; x++) {
                    data[row + x] = (byte) r[x];
                    data[p1 + x] = (byte) g[x];
                    data[p2 + x] = (byte) b[x];
                }
            } else if (reader.gray) {
                for (int x = 0; x < width; x++) {
                    data[row + x] = (byte) r[x];
                }
            } else {
                for (int x = 0; x < width; x++) {
                    data[row + x] = (byte) luma(r[x], g[x], b[x]);
                }
            }
        }
        return out;
    }

    /**
     * Checks that {@link #convert} accepts the image, without converting it.
     *
     * @throws IllegalArgumentException naming what was found and what is supported
     */
    static void requireSupported(BufferedImage image) {
        RowReader.of(image);
    }

    /** Reads one row of an image as 8-bit R, G, B (for gray sources: the gray value in all three). */
    private static final class RowReader {
        private final Raster raster;
        private final int width;
        private final int bands;
        private final int[] samples;
        /**
         * Row buffer for byte samples of a component colour model, read with getDataElements, which
         * the JDK's byte rasters implement as a direct array loop; getPixels goes through a virtual
         * call per sample and is several times slower on large photos.
         */
        private final byte[] byteRow;
        /** Palette lookup for indexed images, else null. */
        private final int[] paletteR;
        private final int[] paletteG;
        private final int[] paletteB;
        /** Bits per colour component for direct images (gray: one entry, RGB: three). */
        private final int[] bits;
        final boolean gray;

        private RowReader(Raster raster, int[] paletteR, int[] paletteG, int[] paletteB, int[] bits, boolean gray) {
            this.raster = raster;
            this.width = raster.getWidth();
            this.bands = raster.getNumBands();
            boolean bytes = paletteR == null && raster.getTransferType() == DataBuffer.TYPE_BYTE
                    && raster.getNumDataElements() == bands;
            this.samples = bytes ? null : new int[width * bands];
            this.byteRow = bytes ? new byte[width * bands] : null;
            this.paletteR = paletteR;
            this.paletteG = paletteG;
            this.paletteB = paletteB;
            this.bits = bits;
            this.gray = gray;
        }

        static RowReader of(BufferedImage image) {
            ColorModel cm = image.getColorModel();
            Raster raster = image.getRaster();
            if (cm instanceof IndexColorModel icm) {
                int size = icm.getMapSize();
                int[] r = new int[size];
                int[] g = new int[size];
                int[] b = new int[size];
                boolean gray = true;
                for (int i = 0; i < size; i++) {
                    r[i] = icm.getRed(i);
                    g[i] = icm.getGreen(i);
                    b[i] = icm.getBlue(i);
                    gray &= r[i] == g[i] && g[i] == b[i];
                }
                return new RowReader(raster, r, g, b, null, gray);
            }
            int transfer = raster.getTransferType();
            boolean integerSamples = transfer == DataBuffer.TYPE_BYTE || transfer == DataBuffer.TYPE_USHORT
                    || (transfer == DataBuffer.TYPE_INT && cm instanceof DirectColorModel);
            if (!integerSamples) {
                throw new IllegalArgumentException("unsupported sample type " + transferTypeName(transfer)
                        + " (expected 8- or 16-bit unsigned integer samples)");
            }
            ColorSpace cs = cm.getColorSpace();
            int components = cm.getNumColorComponents();
            return switch (cs.getType()) {
                case ColorSpace.TYPE_RGB -> {
                    requireComponents(components, 3, "RGB");
                    yield new RowReader(raster, null, null, null, componentBits(cm, 3), false);
                }
                case ColorSpace.TYPE_GRAY -> {
                    requireComponents(components, 1, "grayscale");
                    yield new RowReader(raster, null, null, null, componentBits(cm, 1), true);
                }
                case ColorSpace.TYPE_CMYK -> throw new IllegalArgumentException(
                        "CMYK images are not supported (found a " + components
                                + "-component CMYK/YCCK colour model, expected RGB, grayscale or palette);"
                                + " convert the image to RGB first");
                default -> throw new IllegalArgumentException("unsupported colour space (ColorSpace type "
                        + cs.getType() + " with " + components + " components, expected RGB, grayscale or palette)");
            };
        }

        private static void requireComponents(int found, int expected, String space) {
            if (found != expected) {
                throw new IllegalArgumentException("unsupported " + space + " colour model with " + found
                        + " colour components (expected " + expected + ")");
            }
        }

        private static int[] componentBits(ColorModel cm, int count) {
            int[] bits = new int[count];
            for (int i = 0; i < count; i++) {
                bits[i] = cm.getComponentSize(i);
                if (bits[i] < 1 || bits[i] > 16) {
                    throw new IllegalArgumentException("unsupported component size of " + bits[i]
                            + " bits (expected 1 to 16)");
                }
            }
            return bits;
        }

        private static String transferTypeName(int type) {
            return switch (type) {
                case DataBuffer.TYPE_SHORT -> "signed 16-bit";
                case DataBuffer.TYPE_INT -> "32-bit integer";
                case DataBuffer.TYPE_FLOAT -> "32-bit float";
                case DataBuffer.TYPE_DOUBLE -> "64-bit float";
                default -> "type " + type;
            };
        }

        /** Fills {@code r}, {@code g}, {@code b} with the 8-bit values of row {@code y}. */
        void read(int y, int[] r, int[] g, int[] b) {
            if (byteRow != null) {
                readBytes(y, r, g, b);
                return;
            }
            raster.getPixels(0, y, width, 1, samples);
            if (paletteR != null) {
                for (int x = 0; x < width; x++) {
                    int index = samples[x * bands];
                    // An index past the palette is malformed data; Pillow shows it as black.
                    boolean valid = index < paletteR.length;
                    r[x] = valid ? paletteR[index] : 0;
                    g[x] = valid ? paletteG[index] : 0;
                    b[x] = valid ? paletteB[index] : 0;
                }
            } else if (gray) {
                int depth = bits[0];
                for (int x = 0; x < width; x++) {
                    int v = to8Bits(samples[x * bands], depth);
                    r[x] = v;
                    g[x] = v;
                    b[x] = v;
                }
            } else {
                int depthR = bits[0];
                int depthG = bits[1];
                int depthB = bits[2];
                for (int x = 0; x < width; x++) {
                    int i = x * bands;
                    r[x] = to8Bits(samples[i], depthR);
                    g[x] = to8Bits(samples[i + 1], depthG);
                    b[x] = to8Bits(samples[i + 2], depthB);
                }
            }
        }

        /** {@link #read} for byte component images: one byte per band, in band order. */
        private void readBytes(int y, int[] r, int[] g, int[] b) {
            raster.getDataElements(0, y, width, 1, byteRow);
            boolean eightBit = gray ? bits[0] == 8 : bits[0] == 8 && bits[1] == 8 && bits[2] == 8;
            for (int x = 0; x < width; x++) {
                int i = x * bands;
                int v0 = byteRow[i] & 0xFF;
                if (gray) {
                    int v = eightBit ? v0 : to8Bits(v0, bits[0]);
                    r[x] = v;
                    g[x] = v;
                    b[x] = v;
                } else {
                    int v1 = byteRow[i + 1] & 0xFF;
                    int v2 = byteRow[i + 2] & 0xFF;
                    r[x] = eightBit ? v0 : to8Bits(v0, bits[0]);
                    g[x] = eightBit ? v1 : to8Bits(v1, bits[1]);
                    b[x] = eightBit ? v2 : to8Bits(v2, bits[2]);
                }
            }
        }

        private static int to8Bits(int value, int depth) {
            if (depth == 8) {
                return value;
            }
            if (depth > 8) {
                return value >>> (depth - 8);
            }
            return value * 255 / ((1 << depth) - 1);
        }
    }
}
