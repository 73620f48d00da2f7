package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files with ImageIO and turns every way that can fail into an exception that names
 * the source and the problem.
 *
 * <p>Formats are those of the installed ImageIO readers (the JDK has PNG, JPEG, GIF, BMP, WBMP and
 * TIFF). Like Pillow: only the first frame of a multi-frame file is read, EXIF orientation is not
 * applied, and embedded ICC profiles are ignored (pixel values are taken as stored). Unlike
 * {@code ImageIO.read}, a truncated JPEG is an error, as in Pillow, rather than an image with a grey
 * bottom. The decoded image is checked to be convertible by the transforms (RGB, grayscale or
 * palette; not CMYK).
 */
public final class ImageFiles {
    private ImageFiles() {}

    /**
     * Reads the first image of {@code file}.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws InvalidImageException if it is a directory, empty, truncated, corrupt, of an unknown
     *     format or of an unsupported colour model such as CMYK
     * @throws IOException if it cannot be read
     */
    public static BufferedImage read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "image file does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidImageException(file + ": is a directory, expected an image file");
        }
        if (Files.size(file) == 0) {
            throw new InvalidImageException(file + ": file is empty (0 bytes), expected an image");
        }
        // A File-backed stream reads in place; the InputStream variants would spool to a temp file.
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException(file + ": ImageIO cannot open the file for reading");
            }
            return decode(in, file.toString());
        }
    }

    /**
     * Decodes the first image of an encoded file held in memory (e.g. an HTTP request body).
     *
     * @throws InvalidImageException if the data is empty, truncated, corrupt, of an unknown format or
     *     of an unsupported colour model such as CMYK
     */
    public static BufferedImage decode(byte[] data) throws InvalidImageException {
        Objects.requireNonNull(data, "data");
        String source = "image data (" + data.length + " bytes)";
        if (data.length == 0) {
            throw new InvalidImageException(source + ": empty, expected an encoded image");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            return decode(in, source);
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException e) {
            // Only reading from memory could fail here, which does not happen; keep the cause anyway.
            throw new InvalidImageException(source + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(ImageInputStream in, String source) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new InvalidImageException(source + ": not an image in a supported format (found "
                    + describeStart(in) + ", expected one of " + supportedFormats() + ")");
        }
        ImageReader reader = readers.next();
        String format = formatName(reader);
        BufferedImage image = readFirstImage(reader, in, source, format);
        try {
            ModeConversion.requireSupported(image);
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(source + ": " + format + " image: " + e.getMessage(), e);
        }
        return image;
    }

    private static BufferedImage readFirstImage(ImageReader reader, ImageInputStream in, String source,
                                                String format) throws InvalidImageException {
        TruncationDetector truncation = new TruncationDetector();
        try {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(truncation);
            BufferedImage image = reader.read(0);
            if (truncation.warning != null) {
                throw new InvalidImageException(source + ": truncated " + format + " image (" + truncation.warning
                        + "); the file ends before the image data does");
            }
            return image;
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (format.equals("JPEG") && message.contains("Unsupported Image Type")) {
                // Older JDKs cannot decode CMYK/YCCK JPEGs at all and fail with this message.
                throw new InvalidImageException(source + ": unsupported JPEG colour type (CMYK and YCCK JPEGs are not"
                        + " supported); convert the image to RGB first", e);
            }
            throw new InvalidImageException(source + ": corrupt or truncated " + format + " image: " + message, e);
        } catch (RuntimeException e) {
            // ImageIO plugins report some malformed data with unchecked exceptions.
            throw new InvalidImageException(source + ": corrupt " + format + " image (" + e + ")", e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Records the JPEG reader's end-of-data warnings. ImageIO (like libjpeg) pads a truncated JPEG
     * with grey and only warns; Pillow refuses such files, and so does this class. Other warnings,
     * such as extraneous bytes between markers, are tolerated as they are by Pillow.
     */
    private static final class TruncationDetector implements IIOReadWarningListener {
        String warning;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (this.warning == null && (lower.contains("premature end") || lower.contains("truncated"))) {
                this.warning = warning;
            }
        }
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
