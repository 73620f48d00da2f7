package io.github.mobilenetj.model;

import io.github.mobilenetj.io.IdxFile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A labelled set of 8-bit grayscale images, such as the MNIST and Fashion-MNIST test sets: the
 * input of {@link Evaluation}. Held in memory, one byte per pixel and per label. Immutable and
 * thread-safe.
 */
public final class LabelledImages {

    private final String source;
    private final int count;
    private final int height;
    private final int width;
    private final byte[] pixels;
    private final byte[] labels;

    private LabelledImages(String source, int count, int height, int width, byte[] pixels, byte[] labels) {
        this.source = source;
        this.count = count;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Reads the first {@code limit} images and labels of a pair of IDX files (plain or gzip), as
     * MNIST-style data sets ship them: images {@code N x H x W} unsigned bytes, labels {@code N}.
     * Compression is recognised by the gzip magic bytes, not the file name. Both files are read
     * whole before the first {@code limit} items are kept.
     *
     * @param images the IDX file of images, 3 dimensions
     * @param labels the IDX file of labels, 1 dimension
     * @param limit the most images to keep, from the first; more than the files hold keeps them all
     * @return the images and their labels
     * @throws IOException if a file cannot be read or is not an unsigned-byte IDX file whose length
     *     matches its dimensions (the message names it)
     * @throws IllegalArgumentException if {@code limit < 1}, the images are not 3-dimensional, the
     *     labels not 1-dimensional, the two files do not hold the same number of items, or they
     *     hold none
     */
    public static LabelledImages readIdx(Path images, Path labels, int limit) throws IOException {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, got " + limit);
        }
        // Only the first `limit` items are read (and decompressed): a huge or hostile file costs what is used.
        IdxFile imageFile = IdxFile.read(images, limit, IdxFile.DEFAULT_MAX_BYTES);
        IdxFile labelFile = IdxFile.read(labels, limit, IdxFile.DEFAULT_MAX_BYTES);
        int[] dims = imageFile.dims();
        if (dims.length != 3 || labelFile.dims().length != 1 || labelFile.dims()[0] != dims[0]) {
            throw new IllegalArgumentException("expected N x H x W images and N labels, got images " + Arrays.toString(dims)
                    + " in " + images + " and labels " + Arrays.toString(labelFile.dims()) + " in " + labels);
        }
        if (dims[0] == 0) {
            throw new IllegalArgumentException(images + ": contains no images");
        }
        if (dims[1] == 0 || dims[2] == 0) {
            throw new IllegalArgumentException(images + ": images of " + dims[2] + "x" + dims[1] + " pixels have no pixels");
        }
        int count = Math.min(dims[0], limit);
        return new LabelledImages(images.toString(), count, dims[1], dims[2], imageFile.data(), labelFile.data());
    }

    /**
     * The Fashion-MNIST test set (10,000 images of 28x28, ten classes) in {@code dir}, as Debian's
     * {@code dataset-fashion-mnist} installs it ({@code /usr/share/datasets/fashion-mnist}):
     * {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]}, the
     * {@code .gz} file taken where both exist.
     *
     * @param dir the directory holding the files
     * @param limit the most images to keep, from the first
     * @return the first {@code min(limit, 10000)} test images and labels
     * @throws java.io.FileNotFoundException if a file is in neither form in {@code dir}
     * @throws IOException as {@link #readIdx}
     * @throws IllegalArgumentException as {@link #readIdx}
     */
    public static LabelledImages fashionMnistTest(Path dir, int limit) throws IOException {
        return readIdx(idx(dir, "t10k-images-idx3-ubyte"), idx(dir, "t10k-labels-idx1-ubyte"), limit);
    }

    /**
     * The Fashion-MNIST training set (60,000 images of 28x28) in {@code dir}:
     * {@code train-images-idx3-ubyte[.gz]} and {@code train-labels-idx1-ubyte[.gz]}; see
     * {@link #fashionMnistTest}.
     *
     * @param dir the directory holding the files
     * @param limit the most images to keep, from the first
     * @return the first {@code min(limit, 60000)} training images and labels
     * @throws java.io.FileNotFoundException if a file is in neither form in {@code dir}
     * @throws IOException as {@link #readIdx}
     * @throws IllegalArgumentException as {@link #readIdx}
     */
    public static LabelledImages fashionMnistTrain(Path dir, int limit) throws IOException {
        return readIdx(idx(dir, "train-images-idx3-ubyte"), idx(dir, "train-labels-idx1-ubyte"), limit);
    }

    private static Path idx(Path dir, String name) throws IOException {
        for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new java.io.FileNotFoundException("no " + name + "[.gz] in " + dir
                + " (Debian: apt-get install dataset-fashion-mnist)");
    }

    /**
     * Number of images.
     *
     * @return at least 1
     */
    public int size() {
        return count;
    }

    /**
     * Rows of every image.
     *
     * @return the height in pixels
     */
    public int height() {
        return height;
    }

    /**
     * Columns of every image.
     *
     * @return the width in pixels
     */
    public int width() {
        return width;
    }

    /**
     * The label of one image.
     *
     * @param index the image, in {@code [0, size())}
     * @return its class, 0..255
     * @throws IndexOutOfBoundsException if {@code index} is out of range
     */
    public int label(int index) {
        Objects.checkIndex(index, count);
        return labels[index] & 0xFF;
    }

    /**
     * One image.
     *
     * @param index the image, in {@code [0, size())}
     * @return a new {@link BufferedImage#TYPE_BYTE_GRAY} image of {@link #width()} x {@link #height()},
     *     its own copy of the pixels
     * @throws IndexOutOfBoundsException if {@code index} is out of range
     */
    public BufferedImage image(int index) {
        Objects.checkIndex(index, count);
        BufferedImage gray = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        copyInto(index, gray);
        return gray;
    }

    /** Copies image {@code index} into {@code gray}, a {@code TYPE_BYTE_GRAY} image of this set's size. */
    void copyInto(int index, BufferedImage gray) {
        byte[] target = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
        System.arraycopy(pixels, index * height * width, target, 0, height * width);
    }

    @Override
    public String toString() {
        return source + " (" + count + " images of " + width + "x" + height + ")";
    }
}
