package io.github.mobilenetj.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor of a safetensors file lives and how it is laid out.
 *
 * @param name       the tensor's name in the header
 * @param dtype      its element type
 * @param shape      its dimensions, outermost first; empty for a scalar (the array is copied in and out)
 * @param dataOffset the absolute byte offset of its first element in the file
 * @param byteSize   its size in bytes, {@code elementCount() * dtype.byteSize()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, long dataOffset, long byteSize) {

    /**
     * Checks that the parts agree with each other.
     *
     * @throws IllegalArgumentException if a dimension or the offset is negative, the element count
     *                                  overflows, or {@code byteSize} does not match shape and type
     */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        if (dataOffset < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': negative data offset " + dataOffset);
        }
        long expected;
        try {
            expected = Math.multiplyExact(Shapes.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " of " + dtype + " has more bytes than fit in a long", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
        if (byteSize != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': byte size " + byteSize + " but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
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
     * Returns the number of dimensions.
     *
     * @return the rank; 0 for a scalar
     */
    public int rank() {
        return shape.length;
    }

    /**
     * Returns the number of elements.
     *
     * @return the product of the dimensions; 1 for a scalar
     */
    public long elementCount() {
        return byteSize / dtype.byteSize();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && dataOffset == that.dataOffset
                && byteSize == that.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), dataOffset, byteSize);
    }

    @Override
    public String toString() {
        return "TensorInfo[name=" + name + ", dtype=" + dtype + ", shape=" + Arrays.toString(shape)
                + ", dataOffset=" + dataOffset + ", byteSize=" + byteSize + "]";
    }
}
