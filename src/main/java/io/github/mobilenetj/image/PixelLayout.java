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
     * Flat index of one value of an image in this layout. Nothing is checked: arguments out of range
     * give a meaningless index, and {@code int} arithmetic wraps for images of more than
     * {@link Integer#MAX_VALUE} values.
     *
     * @param c the channel, in {@code [0, channels)}
     * @param y the row, in {@code [0, height)}
     * @param x the column, in {@code [0, width)}
     * @param channels channels of the image
     * @param height rows of the image
     * @param width columns of the image
     * @return the index of the value from the image's first value, in {@code [0, channels * height * width)}
     */
    public int index(int c, int y, int x, int channels, int height, int width) {
        return switch (this) {
            case CHW -> (c * height + y) * width + x;
            case HWC -> (y * width + x) * channels + c;
        };
    }
}
