package io.github.mobilenetj.nn;

import java.util.Objects;

/**
 * Inference-mode batch normalization statistics: y = (x - mean) / sqrt(variance + epsilon) * gamma + beta.
 * Never run as a layer: {@link Conv2d#foldBatchNorm(BatchNorm)} folds it into the convolution once.
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

    /** gamma / sqrt(variance + epsilon) of channel {@code c}, in double precision. */
    double scale(int c) {
        return gamma[c] / Math.sqrt((double) variance[c] + epsilon);
    }
}
