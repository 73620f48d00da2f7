package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_LONG_LONG;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_convolution_direct;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_convolution_forward_primitive_desc_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_forward_inference;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_inner_product_forward_primitive_desc_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_desc_get_size;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_desc_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_desc_query;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_desc_query_md;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_dst_md;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_impl_info_str;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_scratchpad_md;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_src_md;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_query_weights_md;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_pooling_avg_exclude_padding;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_pooling_forward_primitive_desc_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_reorder_primitive_desc_create;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A primitive descriptor ({@code dnnl_primitive_desc_t}): one operation, its shapes, and the
 * implementation and memory layouts oneDNN chose for it on this CPU.
 *
 * <p>Every descriptor is created for forward inference with user-managed scratchpad
 * (see {@link PrimitiveAttr}). Query what {@link FormatTag#ANY} became with {@link #srcDesc()},
 * {@link #weightsDesc()} and {@link #dstDesc()}.
 */
public final class PrimitiveDesc extends NativeHandle {

    private final String operation;

    private PrimitiveDesc(MemorySegment handle, String operation, Engine engine) {
        super(handle, "PrimitiveDesc", engine);
        this.operation = operation;
    }

    /** A 2-D convolution; weights are {O, I, KH, KW}, or {G, O/G, I/G, KH, KW} when grouped. */
    public static PrimitiveDesc convolution(Engine engine, MemoryDesc src, MemoryDesc weights, MemoryDesc bias,
            MemoryDesc dst, long[] strides, long[] padLeft, long[] padRight, PrimitiveAttr attr) {
        String what = "convolution src " + Arrays.toString(src.dims()) + " weights " + Arrays.toString(weights.dims())
                + " dst " + Arrays.toString(dst.dims()) + " strides " + Arrays.toString(strides)
                + " padding " + Arrays.toString(padLeft) + "/" + Arrays.toString(padRight);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            int status = dnnl_convolution_forward_primitive_desc_create(out, engine.handle(), dnnl_forward_inference(),
                    dnnl_convolution_direct(), src.handle(), weights.handle(),
                    bias == null ? MemorySegment.NULL : bias.handle(), dst.handle(),
                    arena.allocateFrom(C_LONG_LONG, strides), MemorySegment.NULL,
                    arena.allocateFrom(C_LONG_LONG, padLeft), arena.allocateFrom(C_LONG_LONG, padRight), attr.handle());
            Status.check(status, "dnnl_convolution_forward_primitive_desc_create", what);
            return new PrimitiveDesc(out.get(C_POINTER, 0), "convolution", engine);
        }
    }

    /** A fully connected layer: dst {N, O} = src {N, I...} x weights {O, I...}^T + bias {O}. */
    public static PrimitiveDesc innerProduct(Engine engine, MemoryDesc src, MemoryDesc weights, MemoryDesc bias,
            MemoryDesc dst, PrimitiveAttr attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            int status = dnnl_inner_product_forward_primitive_desc_create(out, engine.handle(), dnnl_forward_inference(),
                    src.handle(), weights.handle(), bias == null ? MemorySegment.NULL : bias.handle(), dst.handle(),
                    attr.handle());
            Status.check(status, "dnnl_inner_product_forward_primitive_desc_create",
                    "inner product src " + Arrays.toString(src.dims()) + " weights " + Arrays.toString(weights.dims()));
            return new PrimitiveDesc(out.get(C_POINTER, 0), "inner product", engine);
        }
    }

    /**
     * Average pooling over {@code kernel} windows with {@code strides} and no padding; with the
     * kernel equal to the whole image this is global average pooling.
     */
    public static PrimitiveDesc averagePooling(Engine engine, MemoryDesc src, MemoryDesc dst, long[] kernel, long[] strides,
            PrimitiveAttr attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            MemorySegment zeros = arena.allocateFrom(C_LONG_LONG, new long[kernel.length]);
            int status = dnnl_pooling_forward_primitive_desc_create(out, engine.handle(), dnnl_forward_inference(),
                    dnnl_pooling_avg_exclude_padding(), src.handle(), dst.handle(), arena.allocateFrom(C_LONG_LONG, strides),
                    arena.allocateFrom(C_LONG_LONG, kernel), zeros, zeros, zeros, attr.handle());
            Status.check(status, "dnnl_pooling_forward_primitive_desc_create",
                    "average pooling " + Arrays.toString(src.dims()) + " kernel " + Arrays.toString(kernel));
            return new PrimitiveDesc(out.get(C_POINTER, 0), "pooling", engine);
        }
    }

    /** Copies data from one layout (or type) to another. */
    public static PrimitiveDesc reorder(Engine engine, MemoryDesc src, MemoryDesc dst, PrimitiveAttr attr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            int status = dnnl_reorder_primitive_desc_create(out, src.handle(), engine.handle(), dst.handle(),
                    engine.handle(), attr.handle());
            Status.check(status, "dnnl_reorder_primitive_desc_create", src + " -> " + dst);
            return new PrimitiveDesc(out.get(C_POINTER, 0), "reorder", engine);
        }
    }

    public MemoryDesc srcDesc() {
        return query(dnnl_query_src_md(), "src");
    }

    public MemoryDesc weightsDesc() {
        return query(dnnl_query_weights_md(), "weights");
    }

    public MemoryDesc dstDesc() {
        return query(dnnl_query_dst_md(), "dst");
    }

    /** The scratchpad this primitive needs per concurrent execution, or null when it needs none. */
    public MemoryDesc scratchpadDesc() {
        MemorySegment md = dnnl_primitive_desc_query_md(handle(), dnnl_query_scratchpad_md(), 0);
        // A primitive without scratchpad reports an empty descriptor (zero bytes, undefined type).
        if (md.equals(MemorySegment.NULL) || dnnl_memory_desc_get_size(md) == 0) {
            return null;
        }
        return MemoryDesc.copyOf(md);
    }

    /** The implementation oneDNN picked, e.g. {@code brgconv_1x1:avx512_core}. */
    public String implementation() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_primitive_desc_query(handle(), dnnl_query_impl_info_str(), 0, out),
                    "dnnl_primitive_desc_query", "impl_info_str");
            return NativeStrings.read(out.get(C_POINTER, 0));
        }
    }

    /** The operation, e.g. "convolution". */
    public String operation() {
        return operation;
    }

    private MemoryDesc query(int what, String name) {
        MemorySegment md = dnnl_primitive_desc_query_md(handle(), what, 0);
        if (md.equals(MemorySegment.NULL)) {
            throw new IllegalStateException(operation + " primitive descriptor has no " + name + " memory descriptor");
        }
        return MemoryDesc.copyOf(md);
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_primitive_desc_destroy(handle), "dnnl_primitive_desc_destroy");
    }
}
