package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * torchvision's standard ImageNet evaluation transform, reproduced bit for bit:
 * <pre>{@code
 * img = PIL.Image.open(path).convert('RGB')        # or 'L' for a 1-channel normalisation
 * transforms.Compose([
 *     transforms.Resize(resizeSize),                # shorter side; Pillow bilinear, antialiased
 *     transforms.CenterCrop(cropSize),              # zero-pads if the image is smaller
 *     transforms.ToTensor(),                        # / 255
 *     transforms.Normalize(mean, std),
 * ])(img)
 * }</pre>
 * Resize scales the shorter side to {@code resizeSize} and the longer one to
 * {@code int(resizeSize * long / short)} (torchvision's {@code _compute_resized_output_size}), with
 * Pillow's antialiased bilinear filter ({@link PillowBilinearResampler}). CenterCrop starts at
 * {@code int(round((size - crop) / 2.0))}. The number of channels follows the
 * {@link Normalization}: 3 converts like {@code convert('RGB')}, 1 like {@code convert('L')}.
 * Only the cropped part of the resized image is computed. Immutable and thread-safe.
 */
public final class ImageNetTransform extends AbstractImageTransform {
    /** torchvision's resize for the 224-pixel models. */
    public static final int DEFAULT_RESIZE = 256;
    /** torchvision's crop, the input size of the 224-pixel models. */
    public static final int DEFAULT_CROP = 224;

    private final int resizeSize;
    private final int cropSize;
    private final Normalization normalization;

    private ImageNetTransform(int resizeSize, int cropSize, Normalization normalization) {
        super(normalization.channels(), cropSize, cropSize);
        this.resizeSize = resizeSize;
        this.cropSize = cropSize;
        this.normalization = normalization;
    }

    /**
     * What torchvision's 224-pixel classifiers expect.
     *
     * @return resize 256, crop 224, {@link Normalization#imageNet() ImageNet mean and std}, RGB
     */
    public static ImageNetTransform standard() {
        return of(DEFAULT_RESIZE, DEFAULT_CROP, Normalization.imageNet());
    }

    /**
     * The standard transform scaled to a model input of {@code resolution} pixels (e.g. 128, 160 or
     * 192 for the smaller MobileNets): crop {@code resolution}, resize {@link #resizeFor(int)}, ImageNet
     * normalisation, RGB.
     *
     * @param resolution the model's input height and width in pixels
     * @return a transform whose output is 3 x {@code resolution} x {@code resolution}
     * @throws IllegalArgumentException if {@code resolution < 1}
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ImageNetTransform forResolution(int resolution) {
        return of(resizeFor(resolution), resolution, Normalization.imageNet());
    }

    /**
     * The resize that keeps the standard 256:224 ratio for a crop of {@code resolution}:
     * {@code 256 * resolution / 224} rounded to the nearest integer, halves up (224 gives 256,
     * 192 gives 219, 160 gives 183, 128 gives 146, 64 gives 73). timm's {@code crop_pct=0.875}
     * floors instead (160 gives 182); pass such a size to {@link #of} if the model was evaluated so.
     *
     * @param resolution the crop, the model's input height and width in pixels
     * @return the length of the shorter side after resizing
     * @throws IllegalArgumentException if {@code resolution < 1}
     */
    public static int resizeFor(int resolution) {
        requirePositive(resolution, "resolution");
        return (int) Math.floor(256.0 * resolution / 224.0 + 0.5);
    }

    /**
     * A transform with explicit sizes and normalisation; the normalisation's channel count (1 or 3)
     * selects grayscale or RGB input. A {@code resizeSize} smaller than {@code cropSize} is allowed:
     * the crop then zero-pads, as torchvision's does.
     *
     * @param resizeSize length in pixels of the shorter side after resizing
     * @param cropSize side in pixels of the square centre crop, the output height and width
     * @param normalization per-channel mean and std applied after scaling to [0, 1]
     * @return the transform, its output {@code normalization.channels()} x {@code cropSize} x
     *     {@code cropSize}
     * @throws IllegalArgumentException if a size is not positive
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ImageNetTransform of(int resizeSize, int cropSize, Normalization normalization) {
        requirePositive(resizeSize, "resizeSize");
        requirePositive(cropSize, "cropSize");
        return new ImageNetTransform(resizeSize, cropSize, Objects.requireNonNull(normalization, "normalization"));
    }

    /**
     * Target length of the shorter side after resizing.
     *
     * @return the length in pixels
     */
    public int resizeSize() {
        return resizeSize;
    }

    /**
     * Side of the square centre crop.
     *
     * @return the output height and width in pixels
     */
    public int cropSize() {
        return cropSize;
    }

    /**
     * The normalisation applied after scaling to [0, 1].
     *
     * @return the per-channel mean and std; its channel count is {@link #channels()}
     */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    void transform(BufferedImage image, TensorWriter out) {
        Pixels8 pixels = ModeConversion.convert(image, channels());
        // torchvision's _compute_resized_output_size: shorter side to resizeSize, longer side
        // int(resizeSize * long / short); the int product is exact, the division a correctly rounded double.
        int shorter = Math.min(pixels.width, pixels.height);
        int longer = Math.max(pixels.width, pixels.height);
        int newLonger = (int) ((double) ((long) resizeSize * longer) / shorter);
        boolean portrait = pixels.width <= pixels.height;
        int newWidth = portrait ? resizeSize : newLonger;
        int newHeight = portrait ? newLonger : resizeSize;

        CenterCrop crop = CenterCrop.of(newWidth, newHeight, cropSize, cropSize);
        int x0 = crop.visibleX0();
        int y0 = crop.visibleY0();
        Pixels8 visible = PillowBilinearResampler.resize(pixels, newWidth, newHeight,
                x0, y0, crop.visibleWidth(newWidth), crop.visibleHeight(newHeight));
        out.putPlaced(visible, x0 - crop.originX(), y0 - crop.originY(), normalization);
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    @Override
    public String toString() {
        return "ImageNetTransform[resize=" + resizeSize + ", crop=" + cropSize + ", " + normalization + "]";
    }
}
