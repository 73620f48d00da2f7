package io.github.mobilenetj.nn;

import java.util.Objects;

/** Averages each channel over all rows and columns: {@code [N, C, H, W] -> [N, C, 1, 1]}. */
public record GlobalAvgPool() implements Layer {

    @Override
    public String kind() {
        return "GlobalAvgPool";
    }

    @Override
    public Shape outputShape(Shape input) {
        Objects.requireNonNull(input, "input");
        return new Shape(input.batch(), input.channels(), 1, 1);
    }

    @Override
    public long parameterCount() {
        return 0;
    }

    /** Additions only; reported as zero multiply-adds, as the paper and torchsummary count. */
    @Override
    public long multiplyAdds(Shape input) {
        return 0;
    }
}
