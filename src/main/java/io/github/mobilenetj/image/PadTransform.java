package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * Centres an image on a zero canvas of the model's size without resizing, for small fixed-size
 * data sets (e.g. 28x28 Fashion-MNIST into a 32x32 model). Equivalent to
 * <pre>{@code
 * img = PIL.Image.open(path).convert('L')          # or 'RGB' for a 3-channel normalisation
 * transforms.Compose([
 *     transforms.ToTensor(),                        # / 255
 *     transforms.CenterCrop((height, width)),       # zero-pads a smaller image
 *     transforms.Normalize(mean, std),
 * ])(img)
 * }</pre>
 * Padding happens before normalisation, so padded pixels become {@code (0 - mean) / std}. When the
 * margin is odd, the extra zero goes right / below (torchvision's rule). An image wider or taller
 * than the target is rejected with an {@link IllegalArgumentException} naming both sizes.
 * Immutable and thread-safe.
 */
public final class PadTransform extends AbstractImageTransform {
    private final Normalization normalization;

    private PadTransform(int height, int width, Normalization normalization) {
        super(normalization.channels(), height, width);
        this.normalization = normalization;
    }

    /**
     * Pads to a {@code size x size} square.
     *
     * @param size the output height and width in pixels
     * @param normalization per-channel mean and std; its channel count (1 or 3) selects grayscale or
     *     RGB input
     * @return the transform
     * @throws IllegalArgumentException if {@code size < 1}
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static PadTransform of(int size, Normalization normalization) {
        return of(size, size, normalization);
    }

    /**
     * Pads to {@code height x width}.
     *
     * @param height the output height in pixels
     * @param width the output width in pixels
     * @param normalization per-channel mean and std; its channel count (1 or 3) selects grayscale or
     *     RGB input
     * @return the transform
     * @throws IllegalArgumentException if a size is not positive
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static PadTransform of(int height, int width, Normalization normalization) {
        return new PadTransform(height, width, Objects.requireNonNull(normalization, "normalization"));
    }

    /**
     * The normalisation applied after scaling to [0, 1], padding included.
     *
     * @return the per-channel mean and std; its channel count is {@link #channels()}
     */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    void transform(BufferedImage image, TensorWriter out) {
        if (image.getWidth() > width() || image.getHeight() > height()) {
            throw new IllegalArgumentException("image is " + image.getWidth() + "x" + image.getHeight()
                    + " (width x height) but PadTransform pads to " + width() + "x" + height()
                    + " and never shrinks; use ImageNetTransform or ResizeBilinearTransform for larger images");
        }
        Pixels8 pixels = ModeConversion.convert(image, channels());
        CenterCrop placement = CenterCrop.of(pixels.width, pixels.height, width(), height());
        out.putPlaced(pixels, -placement.originX(), -placement.originY(), normalization);
    }

    @Override
    public String toString() {
        return "PadTransform[" + width() + "x" + height() + ", " + normalization + "]";
    }
}
