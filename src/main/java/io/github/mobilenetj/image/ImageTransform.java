package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * Turns a decoded image into the float32 input tensor of a model: {@link #channels()} x
 * {@link #height()} x {@link #width()} values, written in the {@link PixelLayout} the caller asks
 * for, straight into the caller's array, buffer or native memory.
 *
 * <p>The implementations in this package reproduce a PyTorch preprocessing pipeline exactly:
 * {@link ImageNetTransform} (torchvision's Resize + CenterCrop + ToTensor + Normalize),
 * {@link PadTransform} (zero padding) and {@link ResizeBilinearTransform} ({@code F.interpolate}).
 * They are immutable and thread-safe; each call allocates only working buffers proportional to the
 * image, never the output.
 */
public interface ImageTransform {

    /** Channels of the output: 1 (grayscale, Pillow mode 'L') or 3 (RGB). */
    int channels();

    /** Rows of the output. */
    int height();

    /** Columns of the output. */
    int width();

    /** Floats written per image: {@code channels() * height() * width()}. */
    default int elementCount() {
        return Math.multiplyExact(channels(), Math.multiplyExact(height(), width()));
    }

    /**
     * Writes the transformed image into {@code dst[offset .. offset + elementCount())}.
     *
     * @throws IndexOutOfBoundsException if that range does not fit in {@code dst}
     * @throws IllegalArgumentException if the image's colour model is unsupported (e.g. CMYK) or the
     *     transform cannot take an image of its size
     */
    void apply(BufferedImage image, PixelLayout layout, float[] dst, int offset);

    /**
     * Writes the transformed image into {@code dst} from its current position, and advances the
     * position by {@link #elementCount()}, like a bulk {@code put}. The buffer's own byte order applies.
     *
     * @throws IllegalArgumentException if fewer than {@link #elementCount()} floats remain, or as
     *     {@link #apply(BufferedImage, PixelLayout, float[], int)}
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
     */
    void apply(BufferedImage image, PixelLayout layout, FloatBuffer dst);

    /**
     * Writes the transformed image as native-order float32 values (little-endian on x86-64 and
     * AArch64) into {@code dst} starting at {@code byteOffset}; no alignment is required.
     *
     * @throws IndexOutOfBoundsException if the {@code 4 * elementCount()} bytes do not fit
     * @throws IllegalArgumentException if {@code dst} is read-only, or as
     *     {@link #apply(BufferedImage, PixelLayout, float[], int)}
     */
    void apply(BufferedImage image, PixelLayout layout, MemorySegment dst, long byteOffset);

    /** Returns the transformed image as a new array in {@code layout}. */
    default float[] apply(BufferedImage image, PixelLayout layout) {
        float[] out = new float[elementCount()];
        apply(image, layout, out, 0);
        return out;
    }

    /**
     * Reads {@code file} with {@link ImageFiles#read(Path)} and returns the transformed image in
     * {@code layout}.
     *
     * @throws InvalidImageException if the file is empty, corrupt, truncated or unsupported
     * @throws IOException if the file cannot be read
     */
    default float[] apply(Path file, PixelLayout layout) throws IOException {
        return apply(ImageFiles.read(file), layout);
    }

    /** {@link #apply(Path, PixelLayout)} in PyTorch's {@link PixelLayout#CHW} layout. */
    default float[] apply(Path file) throws IOException {
        return apply(file, PixelLayout.CHW);
    }

    /**
     * torchvision's standard ImageNet evaluation transform for an RGB model of input size
     * {@code resolution}: see {@link ImageNetTransform#forResolution(int)}.
     */
    static ImageTransform imageNet(int resolution) {
        return ImageNetTransform.forResolution(resolution);
    }
}
