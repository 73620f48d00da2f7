package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_eltwise_clip;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_eltwise_relu;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_post_ops_append_eltwise;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_post_ops_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_post_ops_destroy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A chain of operations fused after a primitive ({@code dnnl_post_ops_t}). */
public final class PostOps extends NativeHandle {

    public PostOps() {
        super(create(), "PostOps");
    }

    private static MemorySegment create() {
        NativeLibrary.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_post_ops_create(out), "dnnl_post_ops_create");
            return out.get(C_POINTER, 0);
        }
    }

    /** Appends max(x, 0). */
    public PostOps relu() {
        Status.check(dnnl_post_ops_append_eltwise(handle(), dnnl_eltwise_relu(), 0f, 0f), "dnnl_post_ops_append_eltwise", "relu");
        return this;
    }

    /** Appends min(max(x, lower), upper); ReLU6 is {@code clip(0, 6)}. */
    public PostOps clip(float lower, float upper) {
        if (!(lower <= upper)) {
            throw new IllegalArgumentException("clip bounds must satisfy lower <= upper, got " + lower + ", " + upper);
        }
        Status.check(dnnl_post_ops_append_eltwise(handle(), dnnl_eltwise_clip(), lower, upper),
                "dnnl_post_ops_append_eltwise", "clip");
        return this;
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_post_ops_destroy(handle), "dnnl_post_ops_destroy");
    }
}
