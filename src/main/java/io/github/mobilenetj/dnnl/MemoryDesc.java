package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_INT;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_LONG_LONG;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.DNNL_MAX_NDIMS;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_clone;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_create_with_tag;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_equal;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_get_size;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_query;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_data_type;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_dims;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_ndims_s32;

import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A memory descriptor ({@code dnnl_memory_desc_t}): dimensions, element type and layout.
 *
 * <p>Created from a plain {@link FormatTag}, or copied from what a primitive chose for
 * {@link FormatTag#ANY}. Immutable once created; safe to share between threads.
 */
public final class MemoryDesc extends NativeHandle {

    private final long[] dims;
    private final DType dataType;
    private final long byteSize;

    private MemoryDesc(MemorySegment handle) {
        super(handle, "MemoryDesc");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ndimsOut = arena.allocate(C_INT);
            Status.check(dnnl_memory_desc_query(handle, dnnl_query_ndims_s32(), ndimsOut), "dnnl_memory_desc_query");
            int ndims = ndimsOut.get(C_INT, 0);
            MemorySegment dimsOut = arena.allocate(C_POINTER);
            Status.check(dnnl_memory_desc_query(handle, dnnl_query_dims(), dimsOut), "dnnl_memory_desc_query");
            MemorySegment dimsArray = dimsOut.get(C_POINTER, 0).reinterpret(C_LONG_LONG.byteSize() * ndims);
            this.dims = dimsArray.toArray(C_LONG_LONG);
            MemorySegment typeOut = arena.allocate(C_INT);
            Status.check(dnnl_memory_desc_query(handle, dnnl_query_data_type(), typeOut), "dnnl_memory_desc_query");
            this.dataType = DataTypes.fromCode(typeOut.get(C_INT, 0));
        }
        this.byteSize = dnnl_memory_desc_get_size(handle);
    }

    /**
     * A descriptor for {@code dims} of {@code type} in layout {@code tag}.
     *
     * @throws IllegalArgumentException for a rank the tag does not describe or a non-positive dimension
     */
    public static MemoryDesc of(long[] dims, DType type, FormatTag tag) {
        if (dims == null || type == null || tag == null) {
            throw new NullPointerException("dims, type and tag are required");
        }
        if (dims.length == 0 || dims.length > DNNL_MAX_NDIMS()) {
            throw new IllegalArgumentException("memory descriptor rank " + dims.length + " is outside 1.." + DNNL_MAX_NDIMS());
        }
        if (tag.rank() >= 0 && tag.rank() != dims.length) {
            throw new IllegalArgumentException("format " + tag + " describes " + tag.rank() + " dimensions, got "
                    + dims.length + ": " + Arrays.toString(dims));
        }
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("memory descriptor dimensions must be positive: " + Arrays.toString(dims));
            }
        }
        NativeLibrary.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            MemorySegment nativeDims = arena.allocateFrom(C_LONG_LONG, dims);
            Status.check(dnnl_memory_desc_create_with_tag(out, dims.length, nativeDims, DataTypes.code(type), tag.code()),
                    "dnnl_memory_desc_create_with_tag", Arrays.toString(dims) + " " + type + " " + tag);
            return new MemoryDesc(out.get(C_POINTER, 0));
        }
    }

    /** Copies a descriptor owned by someone else (e.g. returned by a primitive descriptor query). */
    static MemoryDesc copyOf(MemorySegment borrowed) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_memory_desc_clone(out, borrowed), "dnnl_memory_desc_clone");
            return new MemoryDesc(out.get(C_POINTER, 0));
        }
    }

    /** An independent copy of this descriptor (the caller closes it). */
    public MemoryDesc copy() {
        return copyOf(handle());
    }

    /** Logical dimensions, independent of layout: {N, C, H, W} for data, {[G,] O, I, H, W} for weights. */
    public long[] dims() {
        return dims.clone();
    }

    public DType dataType() {
        return dataType;
    }

    /** Bytes a buffer with this layout needs, padding of blocked layouts included. */
    public long byteSize() {
        return byteSize;
    }

    /** True when both describe the same dimensions, type and physical layout. */
    public boolean sameLayoutAs(MemoryDesc other) {
        return dnnl_memory_desc_equal(handle(), other.handle()) != 0;
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_memory_desc_destroy(handle), "dnnl_memory_desc_destroy");
    }

    @Override
    public String toString() {
        return "MemoryDesc" + Arrays.toString(dims) + " " + dataType + " (" + byteSize + " bytes)";
    }
}
