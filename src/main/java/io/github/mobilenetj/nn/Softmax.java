package io.github.mobilenetj.nn;

/** Softmax over the channel (class) dimension. */
public record Softmax() implements Layer {

    @Override
    public String kind() {
        return "Softmax";
    }

    @Override
    public Shape outputShape(Shape input) {
        java.util.Objects.requireNonNull(input, "input");
        if (input.height() != 1 || input.width() != 1) {
            throw new IllegalArgumentException("Softmax expects [N, classes, 1, 1], got " + input);
        }
        return input;
    }

    @Override
    public long parameterCount() {
        return 0;
    }

    @Override
    public long multiplyAdds(Shape input) {
        return 0;
    }
}
