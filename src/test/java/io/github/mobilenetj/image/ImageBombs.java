package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Small image files that declare large images ("decompression bombs"), built byte by byte or by
 * writing an 8 x 8 image with ImageIO and patching the size its header declares.
 */
final class ImageBombs {

    private ImageBombs() {
    }

    /** One PNG chunk: length, type, data, CRC. */
    static byte[] chunk(String type, byte[] data, boolean badCrc) {
        ByteBuffer out = ByteBuffer.allocate(12 + data.length);
        out.putInt(data.length).put(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 4, 4 + data.length);
        out.putInt((int) crc.getValue() ^ (badCrc ? 1 : 0));
        return out.array();
    }

    static byte[] ihdr(int width, int height, int bitDepth, int colourType) {
        return ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** zlib data of {@code rows} rows of {@code rowBytes} zero bytes, each with filter byte 0, streamed. */
    static byte[] zeroRows(int rows, int rowBytes) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] row = new byte[rowBytes + 1];
        byte[] buffer = new byte[1 << 16];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int y = 0; y < rows; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /** A grayscale PNG declaring {@code width x height} with only 100 rows of data: a few hundred bytes. */
    static byte[] pngHeaderBomb(int width, int height) {
        return concat(PNG_SIGNATURE, chunk("IHDR", ihdr(width, height, 8, 0), false),
                chunk("IDAT", zeroRows(1, 100_000), false), chunk("IEND", new byte[0], false));
    }

    /** A complete, valid grayscale PNG of zeros: about 1 KB per megapixel. */
    static byte[] pngComplete(int width, int height, int bitDepth, int colourType) {
        int channels = switch (colourType) {
            case 0, 3 -> 1;
            case 4 -> 2;
            case 2 -> 3;
            default -> 4;
        };
        int rowBytes = Math.toIntExact(((long) width * channels * bitDepth + 7) / 8);
        return concat(PNG_SIGNATURE, chunk("IHDR", ihdr(width, height, bitDepth, colourType), false),
                chunk("IDAT", zeroRows(height, rowBytes), false), chunk("IEND", new byte[0], false));
    }

    /** An 8 x 8 image written by ImageIO in {@code format}, then patched to declare {@code width x height}. */
    static byte[] declaring(String format, int width, int height) {
        return switch (format) {
            case "jpeg" -> patchJpeg(write(rgb(), "jpeg", false), width, height);
            case "progressive-jpeg" -> patchJpeg(write(rgb(), "jpeg", true), width, height);
            case "gif" -> patchGif(write(indexed(), "gif", false), width, height);
            case "bmp" -> bmpRle8(width, height);
            case "tiff" -> patchTiff(write(rgb(), "tiff", false), width, height);
            case "wbmp" -> wbmp(width, height);
            case "png" -> pngHeaderBomb(width, height);
            default -> throw new IllegalArgumentException(format);
        };
    }

    static BufferedImage rgb() {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                image.setRGB(x, y, (x * 32) << 16 | (y * 32) << 8 | 0x40);
            }
        }
        return image;
    }

    static BufferedImage indexed() {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED);
        image.getGraphics().drawImage(rgb(), 0, 0, null);
        return image;
    }

    static byte[] write(BufferedImage image, String format, boolean progressive) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            if (format.equals("tiff")) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("Deflate");
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** Rewrites the height and width of the first SOF0/SOF1/SOF2 segment. */
    private static byte[] patchJpeg(byte[] jpeg, int width, int height) {
        for (int i = 2; i + 9 < jpeg.length; i++) {
            int marker = jpeg[i + 1] & 0xFF;
            if ((jpeg[i] & 0xFF) == 0xFF && (marker == 0xC0 || marker == 0xC1 || marker == 0xC2)) {
                ByteBuffer.wrap(jpeg, i + 5, 4).putShort((short) height).putShort((short) width);
                return jpeg;
            }
        }
        throw new IllegalStateException("no SOF marker");
    }

    /** Rewrites the logical screen and the first image descriptor. */
    private static byte[] patchGif(byte[] gif, int width, int height) {
        ByteBuffer buffer = ByteBuffer.wrap(gif).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(6, (short) width).putShort(8, (short) height);
        int flags = gif[10] & 0xFF;
        int at = 13 + ((flags & 0x80) != 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
        while (gif[at] == 0x21) { // extension blocks: introducer, label, sub-blocks
            at += 2;
            while (gif[at] != 0) {
                at += (gif[at] & 0xFF) + 1;
            }
            at++;
        }
        if (gif[at] != 0x2C) {
            throw new IllegalStateException("no image descriptor");
        }
        buffer.putShort(at + 5, (short) width).putShort(at + 7, (short) height);
        return gif;
    }

    /** An 8-bit BMP with RLE8 data that ends at once: 1,080 bytes whatever the size. */
    private static byte[] bmpRle8(int width, int height) {
        byte[] rle = {0, 1}; // end of bitmap
        int offset = 14 + 40 + 1024;
        ByteBuffer out = ByteBuffer.allocate(offset + rle.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 'B').put((byte) 'M').putInt(offset + rle.length).putInt(0).putInt(offset);
        out.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 8).putInt(1)
                .putInt(rle.length).putInt(2835).putInt(2835).putInt(256).putInt(0);
        out.position(offset);
        out.put(rle);
        return out.array();
    }

    /** An 8 x 8 RGB TIFF of {@code compression} whose first strip declares {@code byteCount} bytes. */
    static byte[] tiffWithStripByteCount(String compression, long byteCount) {
        BufferedImage image = rgb();
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("tiff");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType(compression);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] tiff = bytes.toByteArray();
        ByteBuffer buffer = ByteBuffer.wrap(tiff).order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int ifd = buffer.getInt(4);
        int entries = buffer.getShort(ifd) & 0xFFFF;
        for (int e = 0; e < entries; e++) {
            int at = ifd + 2 + 12 * e;
            if ((buffer.getShort(at) & 0xFFFF) == 279 && buffer.getInt(at + 4) == 1) {
                buffer.putShort(at + 2, (short) 4).putInt(at + 8, (int) byteCount);
                return tiff;
            }
        }
        throw new IllegalStateException("no single StripByteCounts value");
    }

    /** Rewrites ImageWidth, ImageLength and RowsPerStrip of the first IFD. */
    private static byte[] patchTiff(byte[] tiff, int width, int height) {
        ByteBuffer buffer = ByteBuffer.wrap(tiff)
                .order(tiff[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int ifd = buffer.getInt(4);
        int entries = buffer.getShort(ifd) & 0xFFFF;
        for (int e = 0; e < entries; e++) {
            int at = ifd + 2 + 12 * e;
            int tag = buffer.getShort(at) & 0xFFFF;
            int type = buffer.getShort(at + 2) & 0xFFFF;
            int value = tag == 256 ? width : tag == 257 || tag == 278 ? height : -1;
            if (value >= 0) {
                if (type == 3) {
                    buffer.putShort(at + 8, (short) value).putShort(at + 10, (short) 0);
                } else {
                    buffer.putInt(at + 8, value);
                }
            }
        }
        return tiff;
    }

    /** A WBMP (type 0) declaring {@code width x height} with 64 bytes of data. */
    private static byte[] wbmp(int width, int height) {
        return concat(new byte[] {0, 0}, multiByte(width), multiByte(height), new byte[64]);
    }

    private static byte[] multiByte(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int shift = 28;
        while (shift > 0 && (value >>> shift) == 0) {
            shift -= 7;
        }
        for (; shift > 0; shift -= 7) {
            out.write(0x80 | (value >>> shift) & 0x7F);
        }
        out.write(value & 0x7F);
        return out.toByteArray();
    }
}
