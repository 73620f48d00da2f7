package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_fpmath_mode_bf16;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_set_fpmath_mode;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_set_post_ops;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_set_scales_mask;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_attr_set_scratchpad_mode;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_scratchpad_mode_user;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Primitive attributes ({@code dnnl_primitive_attr_t}).
 *
 * <p>Always created with the user-managed scratchpad: oneDNN's default library-managed scratchpad
 * ties a primitive to the thread that created it, while with a user scratchpad any thread can run
 * it as long as each concurrent execution passes its own scratchpad buffer.
 */
public final class PrimitiveAttr extends NativeHandle {

    public PrimitiveAttr() {
        super(create(), "PrimitiveAttr");
    }

    private static MemorySegment create() {
        NativeLibrary.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_primitive_attr_create(out), "dnnl_primitive_attr_create");
            MemorySegment attr = out.get(C_POINTER, 0);
            int status = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user());
            if (status != 0) {
                dnnl_primitive_attr_destroy(attr);
                Status.check(status, "dnnl_primitive_attr_set_scratchpad_mode");
            }
            return attr;
        }
    }

    /** Copies {@code postOps} into these attributes; the caller still owns and closes {@code postOps}. */
    public PrimitiveAttr postOps(PostOps postOps) {
        Status.check(dnnl_primitive_attr_set_post_ops(handle(), postOps.handle()), "dnnl_primitive_attr_set_post_ops");
        return this;
    }

    /**
     * Declares runtime scales for argument {@code arg} ({@link Arg#SRC}, {@link Arg#WEIGHTS} or
     * {@link Arg#DST}): {@code mask} 0 for one value, 1 (or 3 for grouped weights) for one per output
     * channel. The values are passed at execution as {@link Arg#SCALES_SRC} and so on.
     */
    public PrimitiveAttr scalesMask(Arg arg, int mask) {
        if (arg != Arg.SRC && arg != Arg.WEIGHTS && arg != Arg.DST) {
            throw new IllegalArgumentException("scales apply to SRC, WEIGHTS or DST, not " + arg);
        }
        Status.check(dnnl_primitive_attr_set_scales_mask(handle(), arg.code(), mask), "dnnl_primitive_attr_set_scales_mask",
                arg + " mask " + mask);
        return this;
    }

    /** Lets the primitive compute float32 tensors in bfloat16 (oneDNN's {@code fpmath_mode bf16}). */
    public PrimitiveAttr bf16Math() {
        Status.check(dnnl_primitive_attr_set_fpmath_mode(handle(), dnnl_fpmath_mode_bf16()),
                "dnnl_primitive_attr_set_fpmath_mode", "bf16");
        return this;
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_primitive_attr_destroy(handle), "dnnl_primitive_attr_destroy");
    }
}
