package io.github.mobilenetj.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to be written by {@link SafetensorsWriter}: float values stored as F32, F16 or BF16, or
 * integer codes (given as whole float values in -128..127) stored as I8.
 *
 * <p>The shape is copied; the values are not, since weights can be large: they must not change until the
 * tensor has been written.
 *
 * @param name   the name under which the tensor is stored; not {@code "__metadata__"}
 * @param dtype  the stored type: {@link DType#F32}, {@link DType#F16}, {@link DType#BF16} or {@link DType#I8}
 * @param shape  the dimensions, outermost first; empty for a scalar
 * @param values the elements in row-major order, exactly as many as the shape holds
 */
public record NamedTensor(String name, DType dtype, long[] shape, float[] values) {

    /**
     * Checks the tensor.
     *
     * @throws IllegalArgumentException if the name is reserved, the type is not a float type this library
     *                                  writes, a dimension is negative, or the value count does not match
     *                                  the shape
     */
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(values, "values");
        shape = shape.clone();
        String label = "tensor '" + name + "'";
        if (name.equals(HeaderParser.METADATA_KEY)) {
            throw new IllegalArgumentException(label + ": the name is reserved for the file's metadata");
        }
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16 && dtype != DType.I8) {
            throw new IllegalArgumentException(label + ": dtype " + dtype + " is not writable; use F32, F16, BF16 or I8");
        }
        if (dtype == DType.I8) {
            for (int i = 0; i < values.length; i++) {
                float v = values[i];
                if (v != Math.rint(v) || v < -128 || v > 127) {
                    throw new IllegalArgumentException(label + ": I8 value " + i + " is " + v + ", not a whole number in -128..127");
                }
            }
        }
        long elements;
        try {
            elements = Shapes.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(label + ": shape " + Arrays.toString(shape) + ": " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(label + ": shape " + Arrays.toString(shape) + " overflows a long", e);
        }
        if (elements != values.length) {
            throw new IllegalArgumentException(label + ": shape " + Arrays.toString(shape) + " holds " + elements
                    + " elements but " + values.length + " values were given");
        }
    }

    /**
     * A tensor stored as F32.
     *
     * @param name   the name under which the tensor is stored
     * @param shape  the dimensions, outermost first
     * @param values the elements in row-major order
     */
    public NamedTensor(String name, long[] shape, float[] values) {
        this(name, DType.F32, shape, values);
    }

    /**
     * Returns the dimensions.
     *
     * @return a copy of the dimensions
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Returns the stored size.
     *
     * @return the number of bytes the data takes in the file
     */
    public long byteSize() {
        return (long) values.length * dtype.byteSize();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NamedTensor that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "NamedTensor[name=" + name + ", dtype=" + dtype + ", shape=" + Arrays.toString(shape)
                + ", " + values.length + " values]";
    }
}
