package io.github.mobilenetj.nn;

/**
 * Weight counts of the two ways to map {@code in} channels to {@code out} channels with a
 * {@code k x k} receptive field, as in Howard et al. (2017), section 3.1.
 */
public final class ParameterCounts {
    private ParameterCounts() {
    }

    /** A standard convolution: {@code k * k * in * out} (e.g. 3x3, 3 -> 3: 81). */
    public static long standardConv(int in, int out, int kernel) {
        return (long) kernel * kernel * in * out;
    }

    /** A depthwise {@code k x k} plus a pointwise 1x1: {@code k * k * in + in * out} (e.g. 3x3, 3 -> 3: 27 + 9 = 36). */
    public static long depthwiseSeparable(int in, int out, int kernel) {
        return (long) kernel * kernel * in + (long) in * out;
    }
}
