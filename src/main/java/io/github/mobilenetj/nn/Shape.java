package io.github.mobilenetj.nn;

/**
 * The logical shape of an image-like tensor: batch, channels, height, width, whatever its layout.
 * Fully connected outputs are {@code (batch, features, 1, 1)}.
 */
public record Shape(int batch, int channels, int height, int width) {

    public Shape {
        if (batch <= 0 || channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("shape dimensions must be positive, got " + text(batch, channels, height, width));
        }
    }

    public static Shape of(int batch, int channels, int height, int width) {
        return new Shape(batch, channels, height, width);
    }

    /** Number of elements. */
    public long elementCount() {
        return (long) batch * channels * height * width;
    }

    /** Elements of one batch item. */
    public long itemSize() {
        return (long) channels * height * width;
    }

    /** {N, C, H, W} as oneDNN dims. */
    public long[] dims() {
        return new long[] {batch, channels, height, width};
    }

    public Shape withBatch(int newBatch) {
        return new Shape(newBatch, channels, height, width);
    }

    @Override
    public String toString() {
        return text(batch, channels, height, width);
    }

    private static String text(int n, int c, int h, int w) {
        return "[" + n + ", " + c + ", " + h + ", " + w + "]";
    }
}
