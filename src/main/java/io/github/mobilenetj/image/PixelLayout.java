package io.github.mobilenetj.image;

/**
 * Order in which a transform writes one image's {@code channels x height x width} floats.
 *
 * <p>Either way the image is written densely (no padding between rows or channels), so a batch of
 * N images is N consecutive blocks of {@link ImageTransform#elementCount()} floats.
 */
public enum PixelLayout {
    /** Channel-major, as PyTorch's NCHW: index = (c * height + y) * width + x. */
    CHW,
    /** Pixel-major, as TensorFlow's NHWC: index = (y * width + x) * channels + c. */
    HWC;

    /**
     * Flat index of the value at channel {@code c}, row {@code y}, column {@code x} of an image of the
     * given shape in this layout.
     */
    public int index(int c, int y, int x, int channels, int height, int width) {
        return switch (this) {
            case CHW -> (c * height + y) * width + x;
            case HWC -> (y * width + x) * channels + c;
        };
    }
}
