package io.github.mobilenetj.io;

/** Arithmetic on tensor shapes that refuses to overflow silently. */
final class Shapes {

    private Shapes() {
    }

    /**
     * Returns the product of the dimensions, 1 for a scalar.
     *
     * @throws IllegalArgumentException if a dimension is negative
     * @throws ArithmeticException      if the product does not fit in a long
     */
    static long elementCount(long[] shape) {
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " is negative: " + shape[i]);
            }
            // Multiplied in order, like the reference implementation, so a zero after an
            // overflowing prefix still counts as overflow.
            count = Math.multiplyExact(count, shape[i]);
        }
        return count;
    }
}
