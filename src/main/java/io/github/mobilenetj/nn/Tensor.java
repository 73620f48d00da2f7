package io.github.mobilenetj.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A dense float32 tensor in native memory: a {@link MemorySegment} with a {@link Shape} and a
 * {@link Layout}. The segment's arena owns the memory; a tensor never frees it.
 */
public record Tensor(MemorySegment data, Shape shape, Layout layout) {

    /** Native float32 values; native byte order, as oneDNN reads them. */
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;

    public Tensor {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(layout, "layout");
        if (data.byteSize() != shape.elementCount() * Float.BYTES) {
            throw new IllegalArgumentException("tensor " + shape + " needs " + shape.elementCount() * Float.BYTES
                    + " bytes, the segment has " + data.byteSize());
        }
    }

    /** A zero-filled tensor allocated in {@code arena}, 64-byte aligned for SIMD loads. */
    public static Tensor allocate(Arena arena, Shape shape, Layout layout) {
        return new Tensor(arena.allocate(shape.elementCount() * Float.BYTES, 64), shape, layout);
    }

    /** A tensor holding a copy of {@code values}, which are in {@code layout} order. */
    public static Tensor of(Arena arena, Shape shape, Layout layout, float[] values) {
        Objects.requireNonNull(values, "values");
        if (values.length != shape.elementCount()) {
            throw new IllegalArgumentException("tensor " + shape + " needs " + shape.elementCount() + " values, got "
                    + values.length);
        }
        Tensor t = allocate(arena, shape, layout);
        MemorySegment.copy(values, 0, t.data, FLOAT, 0, values.length);
        return t;
    }

    /** The element at batch n, channel c, row y, column x. */
    public float get(int n, int c, int y, int x) {
        return data.getAtIndex(FLOAT, layout.offset(shape, n, c, y, x));
    }

    /** A copy of all values in this tensor's layout order. */
    public float[] toArray() {
        return data.toArray(FLOAT);
    }
}
