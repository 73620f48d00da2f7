package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.Objects;

/**
 * torchvision's standard ImageNet evaluation transform, reproduced bit for bit:
 * <pre>{@code
 * img = PIL.Image.open(path).convert('RGB')        # or 'L' for a 1-channel normalisation
 * transforms.Compose([
 *     transforms.Resize(resizeSize, interpolation), # shorter side; Pillow, antialiased
 *     transforms.CenterCrop(cropSize),              # zero-pads if the image is smaller
 *     transforms.ToTensor(),                        # / 255
 *     transforms.Normalize(mean, std),
 * ])(img)
 * }</pre>
 * Resize scales the shorter side to {@code resizeSize} and the longer one to
 * {@code int(resizeSize * long / short)} (torchvision's {@code _compute_resized_output_size}) with
 * Pillow's antialiased {@link Interpolation#BILINEAR bilinear} filter (torchvision's default, and
 * this class's) or its {@link Interpolation#BICUBIC bicubic} one; either matches Pillow's 8-bit
 * result exactly. CenterCrop starts at {@code int(round((size - crop) / 2.0))}. The number of
 * channels follows the {@link Normalization}: 3 converts like {@code convert('RGB')}, 1 like
 * {@code convert('L')}. Only the cropped part of the resized image is computed. Immutable and
 * thread-safe.
 *
 * <p>Two conventions set {@code resizeSize} from the crop: torchvision's reference scripts keep
 * the ratio 256:224 ({@link #forResolution(int)}, {@link #resizeFor(int)}), timm divides by the
 * model's {@code crop_pct} and rounds down ({@link #ofCropFraction}, {@link #resizeFor(int, double)}).
 * timm's evaluation transform ({@code timm.data.create_transform} with a model's
 * {@code resolve_data_config}, crop mode "center") is this class with the pretrained config's
 * {@code interpolation}, {@code crop_pct}, {@code mean} and {@code std}; e.g. for
 * {@code mobilenetv1_100.ra4_e3600_r224_in1k}:
 * {@snippet :
 * Normalization half = Normalization.of(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
 * ImageNetTransform timm = ImageNetTransform.ofCropFraction(224, 0.875, ImageNetTransform.Interpolation.BICUBIC, half);
 * // Resize(256, bicubic), CenterCrop(224), ToTensor, Normalize(0.5, 0.5)
 * }
 */
public final class ImageNetTransform extends AbstractImageTransform {
    /** torchvision's resize for the 224-pixel models. */
    public static final int DEFAULT_RESIZE = 256;
    /** torchvision's crop, the input size of the 224-pixel models. */
    public static final int DEFAULT_CROP = 224;

    /**
     * The resampling filter of the resize, as Pillow implements it for 8-bit images: both are
     * separable convolutions whose support grows with the downscale factor, so they antialias when
     * shrinking.
     */
    public enum Interpolation {
        /**
         * Pillow's {@code Image.BILINEAR}, torchvision's {@code InterpolationMode.BILINEAR}: a
         * triangle filter of support 1. torchvision's default.
         */
        BILINEAR(PillowResampler.Filter.BILINEAR),
        /**
         * Pillow's {@code Image.BICUBIC}, torchvision's {@code InterpolationMode.BICUBIC}: Keys'
         * cubic convolution with {@code a = -0.5}, support 2. timm's default for evaluation; sharper
         * than bilinear, and its negative lobes can overshoot, clipped to 0..255.
         */
        BICUBIC(PillowResampler.Filter.BICUBIC);

        private final PillowResampler.Filter filter;

        Interpolation(PillowResampler.Filter filter) {
            this.filter = filter;
        }

        PillowResampler.Filter filter() {
            return filter;
        }
    }

    private final int resizeSize;
    private final int cropSize;
    private final Normalization normalization;
    private final Interpolation interpolation;

    private ImageNetTransform(int resizeSize, int cropSize, Normalization normalization, Interpolation interpolation) {
        super(normalization.channels(), cropSize, cropSize);
        this.resizeSize = resizeSize;
        this.cropSize = cropSize;
        this.normalization = normalization;
        this.interpolation = interpolation;
    }

    /**
     * What torchvision's 224-pixel classifiers expect.
     *
     * @return resize 256 (bilinear), crop 224, {@link Normalization#imageNet() ImageNet mean and std}, RGB
     */
    public static ImageNetTransform standard() {
        return of(DEFAULT_RESIZE, DEFAULT_CROP, Normalization.imageNet());
    }

    /**
     * The standard transform scaled to a model input of {@code resolution} pixels (e.g. 128, 160 or
     * 192 for the smaller MobileNets): crop {@code resolution}, bilinear resize to
     * {@link #resizeFor(int)}, ImageNet normalisation, RGB.
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
     * floors instead (160 gives 182): see {@link #resizeFor(int, double)}.
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
     * timm's resize for a crop of {@code resolution} that keeps the fraction {@code cropFraction} of
     * the resized shorter side: {@code floor(resolution / cropFraction)} in double precision, as
     * timm's {@code transforms_imagenet_eval} computes {@code scale_size} from {@code crop_pct}
     * (224 at 0.875 gives 256, at 0.9 gives 248, at 1.0 gives 224; 256 at 0.95 gives 269).
     *
     * @param resolution the crop, the model's input height and width in pixels
     * @param cropFraction timm's {@code crop_pct}, in (0, 1]
     * @return the length of the shorter side after resizing, at least {@code resolution}
     * @throws IllegalArgumentException if {@code resolution < 1}, if {@code cropFraction} is not in
     *     (0, 1] (NaN included), or if the resize exceeds {@link Integer#MAX_VALUE} pixels
     */
    public static int resizeFor(int resolution, double cropFraction) {
        requirePositive(resolution, "resolution");
        if (!(cropFraction > 0.0 && cropFraction <= 1.0)) {
            throw new IllegalArgumentException("crop fraction must be in (0, 1], got " + cropFraction);
        }
        double size = Math.floor(resolution / cropFraction);
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("crop fraction " + cropFraction + " of " + resolution
                    + " pixels needs a resize to " + size + " pixels, more than " + Integer.MAX_VALUE);
        }
        return (int) size;
    }

    /**
     * A transform with explicit sizes and normalisation and the bilinear filter; the normalisation's
     * channel count (1 or 3) selects grayscale or RGB input. A {@code resizeSize} smaller than
     * {@code cropSize} is allowed: the crop then zero-pads, as torchvision's does.
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
        return of(resizeSize, cropSize, normalization, Interpolation.BILINEAR);
    }

    /**
     * A transform with explicit sizes, normalisation and resampling filter; otherwise as
     * {@link #of(int, int, Normalization)}.
     *
     * @param resizeSize length in pixels of the shorter side after resizing
     * @param cropSize side in pixels of the square centre crop, the output height and width
     * @param normalization per-channel mean and std applied after scaling to [0, 1]
     * @param interpolation the filter of the resize
     * @return the transform, its output {@code normalization.channels()} x {@code cropSize} x
     *     {@code cropSize}
     * @throws IllegalArgumentException if a size is not positive
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ImageNetTransform of(int resizeSize, int cropSize, Normalization normalization,
            Interpolation interpolation) {
        requirePositive(resizeSize, "resizeSize");
        requirePositive(cropSize, "cropSize");
        return new ImageNetTransform(resizeSize, cropSize, Objects.requireNonNull(normalization, "normalization"),
                Objects.requireNonNull(interpolation, "interpolation"));
    }

    /**
     * timm's evaluation transform for a model of input size {@code resolution} whose pretrained
     * config says {@code crop_pct = cropFraction}: resize the shorter side to
     * {@link #resizeFor(int, double) floor(resolution / cropFraction)} with {@code interpolation},
     * centre-crop {@code resolution}, normalise.
     *
     * @param resolution the model's input height and width in pixels
     * @param cropFraction timm's {@code crop_pct}, in (0, 1]: e.g. 0.875 (timm's default), 0.9, 0.95, 1.0
     * @param interpolation the filter of the resize: timm's {@code interpolation}, usually
     *     {@link Interpolation#BICUBIC}
     * @param normalization timm's {@code mean} and {@code std}
     * @return the transform, its output {@code normalization.channels()} x {@code resolution} x
     *     {@code resolution}
     * @throws IllegalArgumentException as {@link #resizeFor(int, double)}
     * @throws ArithmeticException if the output would hold more than {@link Integer#MAX_VALUE} floats
     */
    public static ImageNetTransform ofCropFraction(int resolution, double cropFraction, Interpolation interpolation,
            Normalization normalization) {
        return of(resizeFor(resolution, cropFraction), resolution, normalization, interpolation);
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
     * The resampling filter of the resize.
     *
     * @return {@link Interpolation#BILINEAR} unless the transform was made with another filter
     */
    public Interpolation interpolation() {
        return interpolation;
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
        double resizedLonger = (double) ((long) resizeSize * longer) / shorter;
        if (resizedLonger > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("resizing a " + pixels.width + "x" + pixels.height + " image to "
                    + resizeSize + " pixels on its shorter side makes the longer one " + (long) resizedLonger
                    + " pixels, more than " + Integer.MAX_VALUE);
        }
        int newLonger = (int) resizedLonger;
        boolean portrait = pixels.width <= pixels.height;
        int newWidth = portrait ? resizeSize : newLonger;
        int newHeight = portrait ? newLonger : resizeSize;

        CenterCrop crop = CenterCrop.of(newWidth, newHeight, cropSize, cropSize);
        int x0 = crop.visibleX0();
        int y0 = crop.visibleY0();
        Pixels8 visible = PillowResampler.resize(pixels, interpolation.filter(), newWidth, newHeight,
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
        return "ImageNetTransform[resize=" + resizeSize + " " + interpolation.name().toLowerCase(Locale.ROOT)
                + ", crop=" + cropSize + ", " + normalization + "]";
    }
}
