package io.github.mobilenetj.image;

import java.util.Arrays;

/**
 * Per-channel {@code (x - mean) / std}, as torchvision's {@code Normalize}, applied after scaling
 * 8-bit pixels to {@code [0, 1]} as {@code ToTensor} does. Computed in float32 in the same order as
 * PyTorch, so results are bit-identical. Immutable; equal to any normalisation with the same means
 * and standard deviations.
 */
public final class Normalization {
    private static final Normalization IMAGENET =
            of(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    private final float[] mean;
    private final float[] std;
    /** {@code normalize(c, v / 255f)} for every channel c and byte v, indexed {@code c * 256 + v}. */
    private final float[] byteTable;

    private Normalization(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
        this.byteTable = new float[mean.length * 256];
        for (int c = 0; c < mean.length; c++) {
            for (int v = 0; v < 256; v++) {
                byteTable[c * 256 + v] = normalize(c, v / 255f);
            }
        }
    }

    /**
     * The ImageNet statistics every torchvision classifier expects.
     *
     * @return mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), for RGB; always the same instance
     */
    public static Normalization imageNet() {
        return IMAGENET;
    }

    /**
     * No normalisation beyond ToTensor's division by 255: mean 0 and std 1, so values stay in [0, 1].
     *
     * @param channels the channel count: 1 (grayscale) or 3 (RGB), as for {@link #of}
     * @return the identity normalisation for {@code channels} channels
     * @throws IllegalArgumentException if {@code channels} is not 1 or 3
     */
    public static Normalization none(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("expected 1 (grayscale) or 3 (RGB) channels, got " + channels);
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(std, 1f);
        return new Normalization(mean, std);
    }

    /**
     * Per-channel mean and standard deviation; the array length is the channel count (1 for
     * grayscale models, 3 for RGB). The arrays are copied.
     *
     * @param mean the mean of each channel, subtracted from values in [0, 1]
     * @param std the standard deviation of each channel, dividing the difference
     * @return the normalisation
     * @throws IllegalArgumentException if the lengths differ or are not 1 or 3, a value is not finite,
     *     or a std is not positive
     */
    public static Normalization of(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " values but std has " + std.length
                    + "; expected one of each per channel");
        }
        if (mean.length != 1 && mean.length != 3) {
            throw new IllegalArgumentException("expected 1 (grayscale) or 3 (RGB) channels, got " + mean.length);
        }
        for (int c = 0; c < mean.length; c++) {
            if (!Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("mean[" + c + "] must be finite, got " + mean[c]);
            }
            if (!(std[c] > 0) || !Float.isFinite(std[c])) {
                throw new IllegalArgumentException("std[" + c + "] must be positive and finite, got " + std[c]);
            }
        }
        return new Normalization(mean.clone(), std.clone());
    }

    /**
     * Number of channels.
     *
     * @return 1 or 3 for {@link #of} and {@link #imageNet()}; the count given to {@link #none(int)}
     */
    public int channels() {
        return mean.length;
    }

    /**
     * Mean of one channel.
     *
     * @param c the channel, in {@code [0, channels())}
     * @return the mean subtracted from that channel's values in [0, 1]
     * @throws IndexOutOfBoundsException if {@code c} is out of range
     */
    public float mean(int c) {
        return mean[c];
    }

    /**
     * Standard deviation of one channel.
     *
     * @param c the channel, in {@code [0, channels())}
     * @return the positive divisor of that channel's values after the mean is subtracted
     * @throws IndexOutOfBoundsException if {@code c} is out of range
     */
    public float std(int c) {
        return std[c];
    }

    /** {@code (x - mean) / std} in float32, the order torchvision's {@code sub_(mean).div_(std)} uses. */
    float normalize(int c, float x) {
        return (x - mean[c]) / std[c];
    }

    /** {@link #normalize} of the 8-bit value {@code v} after ToTensor's {@code v / 255f}. */
    float normalizeByte(int c, int v) {
        return byteTable[c * 256 + v];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
