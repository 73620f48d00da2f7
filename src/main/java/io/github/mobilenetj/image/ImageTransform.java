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
 * They take a {@link BufferedImage} with RGB, grayscale or palette colours of 1 to 16 bits per
 * sample and convert it as Pillow's {@code convert('RGB')} or {@code convert('L')} does, from the
 * stored samples (no colour management; alpha dropped, not composited; 16-bit samples keep their
 * high byte, where Pillow clips 16-bit grayscale at 255). Other colour models (e.g. CMYK) are
 * rejected with an {@link IllegalArgumentException} before anything is written.
 *
 * <p>They are immutable and thread-safe. The methods that write into a caller's destination
 * allocate only working buffers proportional to the image (its 8-bit copy and the resampler's
 * intermediate rows), never the output.
 */
public interface ImageTransform {

    /**
     * Channels of the output.
     *
     * @return 1 (grayscale, Pillow mode 'L') or 3 (RGB) for this package's transforms: the channel
     *     count of their {@link Normalization}
     */
    int channels();

    /**
     * Rows of the output.
     *
     * @return the output height in pixels, at least 1
     */
    int height();

    /**
     * Columns of the output.
     *
     * @return the output width in pixels, at least 1
     */
    int width();

    /**
     * Floats written per image.
     *
     * @return {@code channels() * height() * width()}
     * @throws ArithmeticException if that overflows an {@code int} (this package's transforms cannot
     *     be made so large)
     */
    default int elementCount() {
        return Math.multiplyExact(channels(), Math.multiplyExact(height(), width()));
    }

    /**
     * Writes the transformed image into {@code dst[offset .. offset + elementCount())}.
     *
     * @param image the decoded image, of any size the transform takes
     * @param layout the order of the values in {@code dst}
     * @param dst the destination array
     * @param offset index in {@code dst} of the image's first value
     * @throws IndexOutOfBoundsException if that range does not fit in {@code dst}
     * @throws IllegalArgumentException if the image's colour model is unsupported (e.g. CMYK) or the
     *     transform cannot take an image of its size ({@link PadTransform} never shrinks); nothing
     *     is written then
     */
    void apply(BufferedImage image, PixelLayout layout, float[] dst, int offset);

    /**
     * Writes the transformed image into {@code dst} from its current position, and advances the
     * position by {@link #elementCount()}, like a bulk {@code put}. The buffer's own byte order applies.
     *
     * @param image the decoded image, of any size the transform takes
     * @param layout the order of the values in {@code dst}
     * @param dst the destination buffer; its position is not moved if an exception is thrown
     * @throws IllegalArgumentException if fewer than {@link #elementCount()} floats remain, or as
     *     {@link #apply(BufferedImage, PixelLayout, float[], int)}
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
     */
    void apply(BufferedImage image, PixelLayout layout, FloatBuffer dst);

    /**
     * Writes the transformed image as native-order float32 values (little-endian on x86-64 and
     * AArch64) into {@code dst} starting at {@code byteOffset}; no alignment is required.
     *
     * @param image the decoded image, of any size the transform takes
     * @param layout the order of the values in {@code dst}
     * @param dst the destination segment, native or on the heap
     * @param byteOffset offset in bytes of the image's first value in {@code dst}
     * @throws IndexOutOfBoundsException if the {@code 4 * elementCount()} bytes do not fit
     * @throws IllegalArgumentException if {@code dst} is read-only, or as
     *     {@link #apply(BufferedImage, PixelLayout, float[], int)}
     * @throws IllegalStateException if the arena of {@code dst} is closed
     * @throws WrongThreadException if {@code dst} is confined to another thread
     */
    void apply(BufferedImage image, PixelLayout layout, MemorySegment dst, long byteOffset);

    /**
     * The transformed image as a new array.
     *
     * @param image the decoded image, of any size the transform takes
     * @param layout the order of the values in the array
     * @return {@link #elementCount()} floats in {@code layout}
     * @throws IllegalArgumentException as {@link #apply(BufferedImage, PixelLayout, float[], int)}
     */
    default float[] apply(BufferedImage image, PixelLayout layout) {
        float[] out = new float[elementCount()];
        apply(image, layout, out, 0);
        return out;
    }

    /**
     * Reads {@code file} with {@link ImageFiles#read(Path)} and returns the transformed image.
     *
     * @param file an image file in a format an installed ImageIO reader decodes
     * @param layout the order of the values in the array
     * @return {@link #elementCount()} floats in {@code layout}
     * @throws InvalidImageException if the file is not a usable image, as {@link ImageFiles#read(Path)}
     *     details
     * @throws IOException if the file does not exist or cannot be read
     * @throws IllegalArgumentException if the transform cannot take an image of its size
     *     ({@link PadTransform} never shrinks)
     */
    default float[] apply(Path file, PixelLayout layout) throws IOException {
        return apply(ImageFiles.read(file), layout);
    }

    /**
     * {@link #apply(Path, PixelLayout)} in PyTorch's {@link PixelLayout#CHW} layout.
     *
     * @param file an image file in a format an installed ImageIO reader decodes
     * @return {@link #elementCount()} floats, channel by channel
     * @throws IOException as {@link #apply(Path, PixelLayout)}, which names the exceptions
     */
    default float[] apply(Path file) throws IOException {
        return apply(file, PixelLayout.CHW);
    }

    /**
     * torchvision's standard ImageNet evaluation transform for an RGB model of input size
     * {@code resolution}: see {@link ImageNetTransform#forResolution(int)}.
     *
     * @param resolution the model's input height and width in pixels, e.g. 224
     * @return crop {@code resolution} after resizing the shorter side to
     *     {@link ImageNetTransform#resizeFor(int) resizeFor(resolution)}, ImageNet normalisation
     * @throws IllegalArgumentException if {@code resolution < 1}
     */
    static ImageTransform imageNet(int resolution) {
        return ImageNetTransform.forResolution(resolution);
    }
}
