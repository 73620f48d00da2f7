package io.github.mobilenetj.image;

/**
 * An 8-bit image in Pillow's 'L' (1 channel) or 'RGB' (3 channels) mode, stored planar: all of
 * channel 0 row by row, then channel 1, and so on. Planar storage lets the resamplers work on one
 * contiguous plane at a time.
 */
final class Pixels8 {
    final int width;
    final int height;
    final int channels;
    /** {@code channels * height * width} unsigned bytes. */
    final byte[] data;

    Pixels8(int width, int height, int channels) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = new byte[Math.multiplyExact(Math.multiplyExact(width, height), channels)];
    }

    /** Offset of the first byte of channel {@code c}. */
    int plane(int c) {
        return c * width * height;
    }

    /** The unsigned value at channel {@code c}, row {@code y}, column {@code x}. */
    int get(int c, int y, int x) {
        return data[(c * height + y) * width + x] & 0xFF;
    }
}
