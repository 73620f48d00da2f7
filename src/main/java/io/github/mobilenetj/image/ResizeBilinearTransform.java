package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Stretches the whole image to the model's size with PyTorch's (non-antialiased) bilinear
 * interpolation, computed in float32 exactly as PyTorch's CPU kernel does. Equivalent to
 * <pre>{@code
 * x = transforms.ToTensor()(PIL.Image.open(path).convert('L'))    # or 'RGB'
 * x = F.interpolate(x[None], size=(height, width), mode='bilinear',
 *                   align_corners=False, antialias=False)[0]
 * x = transforms.Normalize(mean, std)(x)
 * }</pre>
 * The aspect ratio is not preserved and nothing is cropped. Downscaling by a large factor aliases,
 * as it does in PyTorch. Immutable and thread-safe.
 */
public final class ResizeBilinearTransform extends AbstractImageTransform {
    private final Normalization normalization;

    private ResizeBilinearTransform(int height, int width, Normalization normalization) {
        super(normalization.channels(), height, width);
        this.normalization = normalization;
    }

    /**
     * Resizes to a {@code size x size} square.
     *
     * @param size the output height and width in pixels
     * @param normalization per-channel mean and std; its channel count (1 or 3) selects grayscale or
     *     RGB input
     * @return the transform
     * @throws IllegalArgumentException if {@code size < 1}
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ResizeBilinearTransform of(int size, Normalization normalization) {
        return of(size, size, normalization);
    }

    /**
     * Resizes to {@code height x width}.
     *
     * @param height the output height in pixels
     * @param width the output width in pixels
     * @param normalization per-channel mean and std; its channel count (1 or 3) selects grayscale or
     *     RGB input
     * @return the transform
     * @throws IllegalArgumentException if a size is not positive
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ResizeBilinearTransform of(int height, int width, Normalization normalization) {
        return new ResizeBilinearTransform(height, width, Objects.requireNonNull(normalization, "normalization"));
    }

    /**
     * The normalisation applied after interpolation.
     *
     * @return the per-channel mean and std; its channel count is {@link #channels()}
     */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    void transform(BufferedImage image, TensorWriter out) {
        Pixels8 pixels = ModeConversion.convert(image, channels());
        TorchBilinearResize.resize(pixels, height(), width(), normalization, out);
    }

    @Override
    public String toString() {
        return "ResizeBilinearTransform[" + width() + "x" + height() + ", " + normalization + "]";
    }
}
