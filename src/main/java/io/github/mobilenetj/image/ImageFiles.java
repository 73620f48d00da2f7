package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files with ImageIO and turns every way that can fail into an exception that names
 * the source and the problem.
 *
 * <p>Formats are those of the installed ImageIO readers (the JDK has PNG, JPEG, GIF, BMP, WBMP and
 * TIFF). Like Pillow: only the first frame of a multi-frame file is read, EXIF orientation is not
 * applied, and embedded ICC profiles are ignored (pixel values are taken as stored). Unlike
 * {@code ImageIO.read}, a truncated JPEG is an error, as in Pillow, rather than an image with a grey
 * bottom, and so is a PNG chunk whose CRC does not match (see below). The decoded image is checked to be
 * convertible by the transforms (RGB, grayscale or palette; not CMYK).
 *
 * <p><b>Size limit.</b> Before anything is decoded, the size the file declares is read from its header
 * and an image of more than {@link #maxPixels()} pixels is refused: a file of a few hundred bytes can
 * declare 46000 x 46000 pixels, and decoding it would allocate gigabytes (a decompression bomb). The
 * default, {@link #DEFAULT_MAX_PIXELS}, is Pillow's {@code Image.MAX_IMAGE_PIXELS}, the size above which
 * Pillow warns of a decompression bomb (it refuses above twice that); a library has no channel for
 * warnings, so the warning threshold is the refusal threshold here. It admits any photo of up to 89
 * megapixels (a 12000 x 7400 panorama, most medium-format cameras), whose decoded raster takes 256 MiB in
 * 8-bit RGB and at most 683 MiB in 16-bit RGBA, the deepest colour model accepted. Change it per call
 * ({@link #read(Path, long)}, {@link #decode(byte[], long)}) or for the process with the system
 * property {@value #MAX_PIXELS_PROPERTY}. The colour model is also checked before decoding, so a TIFF of
 * a thousand samples per pixel is refused without being decoded. The check applies to every ImageIO
 * reader; all the JDK's (PNG, JPEG, GIF, BMP, WBMP, TIFF) report the size from their header without
 * decoding the pixels.
 *
 * <p>If the JVM runs out of memory while decoding an image within the limit, the
 * {@link OutOfMemoryError} propagates (with a message naming the source and the size) even where the
 * ImageIO plugin caught it and wrapped it in an {@link IOException}: that is not a corrupt file.
 *
 * <p><b>PNG CRCs.</b> Every chunk up to the end of the image data must carry a matching CRC: Pillow
 * checks the chunks before the image data, libpng (like this class) also the {@code IDAT} chunks.
 *
 * <p><b>TIFF strips.</b> The strips or tiles of a TIFF must lie inside the file: ImageIO allocates each
 * one's declared byte count before reading it.
 */
public final class ImageFiles {

    /**
     * The default limit on width x height: 89,478,485 pixels, Pillow's {@code Image.MAX_IMAGE_PIXELS}
     * ({@code 1024 * 1024 * 1024 // 4 // 3}).
     */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    /** The system property that overrides {@link #DEFAULT_MAX_PIXELS} for the process: a positive integer. */
    public static final String MAX_PIXELS_PROPERTY = "mobilenetj.image.maxPixels";

    private ImageFiles() {}

    /**
     * Returns the pixel limit that {@link #read(Path)} and {@link #decode(byte[])} apply.
     *
     * @return the value of the system property {@value #MAX_PIXELS_PROPERTY} if set, else
     *     {@link #DEFAULT_MAX_PIXELS}
     * @throws IllegalArgumentException if the property is set but is not a positive integer
     */
    public static long maxPixels() {
        String value = System.getProperty(MAX_PIXELS_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long pixels = Long.parseLong(value.strip());
            if (pixels > 0) {
                return pixels;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + MAX_PIXELS_PROPERTY + " = '" + value
                + "' is not a positive whole number of pixels");
    }

    /**
     * Reads the first image of {@code file}, refusing images larger than {@link #maxPixels()}.
     *
     * @param file the image file (PNG, JPEG, GIF, BMP, or any format an installed ImageIO reader knows)
     * @return the decoded image, as the reader returned it
     * @throws NoSuchFileException if the file does not exist
     * @throws InvalidImageException if it is not a regular file (a directory, FIFO or device), is
     *     empty, truncated, corrupt, of an unknown format, of an unsupported colour model such as CMYK,
     *     or larger than the pixel limit
     * @throws IOException if it cannot be read
     */
    public static BufferedImage read(Path file) throws IOException {
        return read(file, maxPixels());
    }

    /**
     * Reads the first image of {@code file}, refusing, before decoding it, an image of more than
     * {@code maxPixels} pixels (width x height).
     *
     * @param file the image file
     * @param maxPixels the largest width x height accepted
     * @return the decoded image, as the reader returned it
     * @throws NoSuchFileException if the file does not exist
     * @throws InvalidImageException if it is not a regular file (a directory, FIFO or device), is
     *     empty, truncated, corrupt, of an unknown format, of an unsupported colour model such as CMYK,
     *     or larger than {@code maxPixels}
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if {@code maxPixels} is not positive
     */
    public static BufferedImage read(Path file, long maxPixels) throws IOException {
        Objects.requireNonNull(file, "file");
        requirePositive(maxPixels);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            NoSuchFileException better = new NoSuchFileException(file.toString(), null, "image file does not exist");
            better.initCause(e);
            throw better;
        } catch (AccessDeniedException e) {
            AccessDeniedException better = new AccessDeniedException(file.toString(), null, "permission denied");
            better.initCause(e);
            throw better;
        }
        if (!attributes.isRegularFile()) {
            // Checked before opening: opening a FIFO blocks until a writer comes, a device may never end.
            throw new InvalidImageException(file + ": not a regular file (" + kind(file, attributes)
                    + "), expected an image file");
        }
        if (attributes.size() == 0) {
            throw new InvalidImageException(file + ": file is empty (0 bytes), expected an image");
        }
        // A File-backed stream reads in place; the InputStream variants would spool to a temp file.
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException(file + ": ImageIO cannot open the file for reading");
            }
            return decode(in, attributes.size(), file.toString(), maxPixels);
        }
    }

    /**
     * Decodes the first image of an encoded file held in memory (e.g. an HTTP request body), refusing
     * images larger than {@link #maxPixels()}.
     *
     * @param data the encoded image (the bytes of a PNG, JPEG, ... file); not modified
     * @return the decoded image, as the reader returned it
     * @throws InvalidImageException if the data is empty, truncated, corrupt, of an unknown format, of
     *     an unsupported colour model such as CMYK, or larger than the pixel limit
     */
    public static BufferedImage decode(byte[] data) throws InvalidImageException {
        return decode(data, maxPixels());
    }

    /**
     * Decodes the first image of an encoded file held in memory (e.g. an HTTP request body), refusing,
     * before decoding it, an image of more than {@code maxPixels} pixels (width x height).
     *
     * @param data the encoded image; not modified
     * @param maxPixels the largest width x height accepted
     * @return the decoded image, as the reader returned it
     * @throws InvalidImageException if the data is empty, truncated, corrupt, of an unknown format, of
     *     an unsupported colour model such as CMYK, or larger than {@code maxPixels}
     * @throws IllegalArgumentException if {@code maxPixels} is not positive
     */
    public static BufferedImage decode(byte[] data, long maxPixels) throws InvalidImageException {
        Objects.requireNonNull(data, "data");
        requirePositive(maxPixels);
        String source = "image data (" + data.length + " bytes)";
        if (data.length == 0) {
            throw new InvalidImageException(source + ": empty, expected an encoded image");
        }
        try (ImageInputStream in = new ByteArrayImageInputStream(data)) {
            return decode(in, data.length, source, maxPixels);
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException e) {
            // Only reading from memory could fail here, which does not happen; keep the cause anyway.
            throw new InvalidImageException(source + ": " + e.getMessage(), e);
        }
    }

    private static void requirePositive(long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
        }
    }

    /** @param length the size of the encoded file in bytes */
    private static BufferedImage decode(ImageInputStream in, long length, String source, long maxPixels)
            throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new InvalidImageException(source + ": not an image in a supported format (found "
                    + describeStart(in) + ", expected one of " + supportedFormats() + ")");
        }
        ImageReader reader = readers.next();
        try {
            String format = formatName(reader);
            if (format.equals("PNG")) {
                PngChunks.verify(in, source);
            } else if (format.equals("TIF") || format.equals("TIFF")) {
                TiffStrips.verify(in, length, source);
            }
            BufferedImage image = readFirstImage(reader, in, source, format, maxPixels);
            try {
                ModeConversion.requireSupported(image);
            } catch (IllegalArgumentException e) {
                throw new InvalidImageException(source + ": " + format + " image: " + e.getMessage(), e);
            }
            return image;
        } finally {
            reader.dispose();
        }
    }

    private static BufferedImage readFirstImage(ImageReader reader, ImageInputStream in, String source,
                                                String format, long maxPixels) throws InvalidImageException {
        TruncationDetector truncation = new TruncationDetector();
        String size = "";
        try {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(truncation);
            // The header alone: no plugin of the JDK decodes pixels or allocates the raster for these.
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            long pixels = (long) width * height;
            size = width + "x" + height;
            if (width <= 0 || height <= 0) {
                throw new InvalidImageException(source + ": corrupt " + format + " image: it declares a size of "
                        + size);
            }
            if (pixels > maxPixels) {
                throw new InvalidImageException(String.format(Locale.ROOT, "%s: %s image of %s = %,d pixels exceeds"
                        + " the limit of %,d pixels; refused before decoding as a possible decompression bomb (the"
                        + " system property %s sets the limit)", source, format, size, pixels, maxPixels,
                        MAX_PIXELS_PROPERTY));
            }
            requireSupportedType(reader, source, format);
            BufferedImage image = reader.read(0);
            if (truncation.warning != null) {
                throw new InvalidImageException(source + ": truncated " + format + " image (" + truncation.warning
                        + "); the file ends before the image data does");
            }
            return image;
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException e) {
            rethrowOutOfMemory(e, source, format, size);
            String message = String.valueOf(e.getMessage());
            if (format.equals("JPEG") && message.contains("Unsupported Image Type")) {
                // Older JDKs cannot decode CMYK/YCCK JPEGs at all and fail with this message.
                throw new InvalidImageException(source + ": unsupported JPEG colour type (CMYK and YCCK JPEGs are not"
                        + " supported); convert the image to RGB first", e);
            }
            throw new InvalidImageException(source + ": corrupt or truncated " + format + " image: " + message, e);
        } catch (RuntimeException e) {
            rethrowOutOfMemory(e, source, format, size);
            // ImageIO plugins report some malformed data with unchecked exceptions.
            throw new InvalidImageException(source + ": corrupt " + format + " image (" + e + ")", e);
        }
    }

    /**
     * Refuses, before decoding, an image whose colour model the transforms cannot convert: the reader
     * would decode into the first of its image types, checked here on a 1 x 1 image of that type.
     */
    private static void requireSupportedType(ImageReader reader, String source, String format) throws IOException {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (types == null || !types.hasNext()) {
            throw new InvalidImageException(source + ": " + format + " image of a colour type ImageIO cannot decode");
        }
        ImageTypeSpecifier type = types.next();
        BufferedImage probe;
        try {
            probe = type.createBufferedImage(1, 1);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(source + ": " + format + " image of an unsupported colour model ("
                    + e.getMessage() + ")", e);
        }
        try {
            ModeConversion.requireSupported(probe);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(source + ": " + format + " image: " + e.getMessage(), e);
        }
    }

    /**
     * ImageIO's plugins catch whatever decoding throws, {@link OutOfMemoryError} included, and wrap it
     * in an IOException ("Caught exception during read"); being out of memory is not a corrupt file.
     */
    private static void rethrowOutOfMemory(Exception e, String source, String format, String size) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof OutOfMemoryError) {
                OutOfMemoryError error = new OutOfMemoryError(source + ": out of memory decoding a "
                        + (size.isEmpty() ? "" : size + " ") + format + " image: " + cause.getMessage());
                error.initCause(e);
                throw error;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
    }

    /**
     * Records the JPEG reader's end-of-data warnings. ImageIO (like libjpeg) pads a truncated JPEG
     * with grey and only warns; Pillow refuses such files, and so does this class. Other warnings,
     * such as extraneous bytes between markers, are tolerated as they are by Pillow.
     *
     * <p>The read is aborted at the first such warning: the file is refused anyway, and a few hundred
     * bytes of progressive JPEG declaring a large image would otherwise have the reader pad every scan
     * of it (measured: 106 s for a 520-byte file declaring 25000 x 25000).
     */
    private static final class TruncationDetector implements IIOReadWarningListener {
        String warning;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (this.warning == null && (lower.contains("premature end") || lower.contains("truncated"))) {
                this.warning = warning;
                source.abort();
            }
        }
    }

    /** What a path that is not a regular file names, for messages. */
    private static String kind(Path path, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            // The "unix" view exists on Linux and macOS; elsewhere the generic phrase below is used.
            if (Files.getAttribute(path, "unix:mode") instanceof Integer mode) {
                switch (mode & 0xF000) {
                    case 0x1000: return "a FIFO";
                    case 0x2000: return "a character device";
                    case 0x6000: return "a block device";
                    case 0xC000: return "a socket";
                    default: break;
                }
            }
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            // fall through to the generic description
        }
        return "a device, pipe or other special file";
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    private static String supportedFormats() {
        Set<String> names = new TreeSet<>();
        for (String suffix : ImageIO.getReaderFileSuffixes()) {
            names.add(suffix.toUpperCase(Locale.ROOT));
        }
        return String.join(", ", names);
    }

    /** The first bytes in hex, to tell e.g. HTML, WebP or HEIC from random data. */
    private static String describeStart(ImageInputStream in) {
        try {
            in.seek(0);
            byte[] head = new byte[8];
            int n = in.read(head);
            if (n <= 0) {
                return "no data";
            }
            StringBuilder hex = new StringBuilder("data starting with bytes");
            for (int i = 0; i < n; i++) {
                hex.append(String.format(Locale.ROOT, " %02X", head[i]));
            }
            return hex.toString();
        } catch (IOException e) {
            return "unreadable data";
        }
    }
}
