package io.github.mobilenetj.image;

import java.util.Arrays;

/**
 * Per-channel {@code (x - mean) / std}, as torchvision's {@code Normalize}, applied after scaling
 * 8-bit pixels to {@code [0, 1]} as {@code ToTensor} does. Computed in float32 in the same order as
 * PyTorch, so results are bit-identical. Immutable.
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

    /** The ImageNet statistics every torchvision classifier expects: mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
    public static Normalization imageNet() {
        return IMAGENET;
    }

    /** No normalisation beyond ToTensor's division by 255 (mean 0, std 1) for {@code channels} channels. */
    public static Normalization none(int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be positive, got " + channels);
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

    /** Number of channels, 1 or 3. */
    public int channels() {
        return mean.length;
    }

    /** Mean of channel {@code c}. */
    public float mean(int c) {
        return mean[c];
    }

    /** Standard deviation of channel {@code c}. */
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
