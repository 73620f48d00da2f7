package io.github.mobilenetj.nn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Inference-mode batch normalization statistics: y = (x - mean) / sqrt(variance + epsilon) * gamma + beta.
 * Never run as a layer: {@link #foldInto} folds it into the preceding convolution's weights and bias
 * once, when the parameters are loaded.
 */
public record BatchNorm(float[] gamma, float[] beta, float[] mean, float[] variance, double epsilon) {

    /** PyTorch's default epsilon; TensorFlow/Keras use 1e-3. */
    public static final double PYTORCH_EPSILON = 1e-5;

    public BatchNorm {
        Objects.requireNonNull(gamma, "gamma");
        Objects.requireNonNull(beta, "beta");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(variance, "variance");
        // Copies, so the checks below cannot be undone by editing the caller's arrays.
        gamma = gamma.clone();
        beta = beta.clone();
        mean = mean.clone();
        variance = variance.clone();
        int c = gamma.length;
        if (beta.length != c || mean.length != c || variance.length != c) {
            throw new IllegalArgumentException("batch norm vectors must have equal length: gamma " + c + ", beta "
                    + beta.length + ", mean " + mean.length + ", variance " + variance.length);
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("batch norm epsilon must be finite and >= 0, got " + epsilon);
        }
        for (int i = 0; i < c; i++) {
            if (!(variance[i] + epsilon > 0)) {
                throw new IllegalArgumentException("batch norm channel " + i + ": variance + epsilon must be > 0, got "
                        + variance[i] + " + " + epsilon);
            }
        }
    }

    @Override
    public float[] gamma() {
        return gamma.clone();
    }

    @Override
    public float[] beta() {
        return beta.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] variance() {
        return variance.clone();
    }

    public int channels() {
        return gamma.length;
    }

    /**
     * Folds these statistics into a convolution, in place and in double precision:
     * {@code w' = w * s}, {@code b' = beta + (b - mean) * s} with {@code s = gamma / sqrt(var + eps)}.
     *
     * @param weights the convolution's float32 weights, {@code channels()} filters of equal size back
     *        to back ({@code [out][in / groups][kh][kw]}); rewritten in place
     * @param bias {@code channels()} float32 values: the convolution's own bias (zeros if it has none)
     *        on entry, the folded bias on return
     * @throws IllegalArgumentException if a folded value is not finite (naming the channel), or the
     *         sizes do not fit
     */
    public void foldInto(MemorySegment weights, MemorySegment bias) {
        int c = channels();
        long floats = weights.byteSize() / Float.BYTES;
        if (floats % c != 0 || weights.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException("weights of " + weights.byteSize() + " bytes are not " + c
                    + " float32 filters of equal size");
        }
        if (bias.byteSize() != (long) c * Float.BYTES) {
            throw new IllegalArgumentException("bias has " + bias.byteSize() + " bytes, " + c + " channels need "
                    + (long) c * Float.BYTES);
        }
        long perFilter = floats / c;
        for (int o = 0; o < c; o++) {
            double scale = gamma[o] / Math.sqrt((double) variance[o] + epsilon);
            for (long i = o * perFilter, end = i + perFilter; i < end; i++) {
                float w = (float) (weights.getAtIndex(ValueLayout.JAVA_FLOAT, i) * scale);
                if (!Float.isFinite(w)) {
                    throw new IllegalArgumentException("channel " + o + ": folding gamma " + gamma[o] + " / sqrt(variance "
                            + variance[o] + " + eps " + epsilon + ") into the weights gives " + w);
                }
                weights.setAtIndex(ValueLayout.JAVA_FLOAT, i, w);
            }
            float b = (float) (beta[o] + (bias.getAtIndex(ValueLayout.JAVA_FLOAT, o) - (double) mean[o]) * scale);
            if (!Float.isFinite(b)) {
                throw new IllegalArgumentException("channel " + o + ": the folded bias is " + b);
            }
            bias.setAtIndex(ValueLayout.JAVA_FLOAT, o, b);
        }
    }
}
