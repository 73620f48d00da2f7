package io.github.mobilenetj.image;

/**
 * Writes one transformed image into the caller's destination (array, buffer or memory segment) in
 * the caller's {@link PixelLayout}.
 */
final class TensorWriter {
    /** The destination: sets the float at a flat index relative to the image's first value. */
    @FunctionalInterface
    interface Sink {
        void set(int index, float value);
    }

    private final Sink sink;
    private final PixelLayout layout;
    private final int channels;
    private final int height;
    private final int width;

    TensorWriter(Sink sink, PixelLayout layout, int channels, int height, int width) {
        this.sink = sink;
        this.layout = layout;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** Sets the value at channel {@code c}, row {@code y}, column {@code x}. */
    void put(int c, int y, int x, float value) {
        sink.set(layout.index(c, y, x, channels, height, width), value);
    }

    /**
     * Fills the whole image: {@code pixels} lands with its top-left corner at output {@code (left, top)},
     * everything around it is a zero pixel; every value is normalised. This is ToTensor + Normalize
     * after torchvision's zero padding, so padding becomes {@code (0 - mean) / std}.
     */
    void putPlaced(Pixels8 pixels, int left, int top, Normalization normalization) {
        for (int c = 0; c < channels; c++) {
            float zero = normalization.normalizeByte(c, 0);
            for (int y = 0; y < height; y++) {
                int py = y - top;
                boolean rowInside = py >= 0 && py < pixels.height;
                for (int x = 0; x < width; x++) {
                    int px = x - left;
                    boolean inside = rowInside && px >= 0 && px < pixels.width;
                    put(c, y, x, inside ? normalization.normalizeByte(c, pixels.get(c, py, px)) : zero);
                }
            }
        }
    }
}
