package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_primitive_execute;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An executable primitive ({@code dnnl_primitive_t}).
 *
 * <p>Created with user-managed scratchpad, so it is safe to execute from several threads at once
 * provided each execution has its own stream, destination and scratchpad buffers.
 */
public final class Primitive extends NativeHandle {

    private final String operation;
    private final String implementation;

    public Primitive(PrimitiveDesc desc) {
        super(create(desc), "Primitive", desc.engine());
        this.operation = desc.operation();
        this.implementation = desc.implementation();
    }

    private static MemorySegment create(PrimitiveDesc desc) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_primitive_create(out, desc.handle()), "dnnl_primitive_create", desc.operation());
            return out.get(C_POINTER, 0);
        }
    }

    /** Runs the primitive with the arguments prepared in {@code args}. Allocation-free. */
    public void execute(Stream stream, ExecArgs args) {
        args.checkOpen();
        Status.check(dnnl_primitive_execute(handle(), stream.handle(), args.count(), args.segment()),
                "dnnl_primitive_execute", operation);
    }

    /** The implementation oneDNN picked, e.g. {@code brdgmm_dw:avx512_core}. */
    public String implementation() {
        return implementation;
    }

    public String operation() {
        return operation;
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_primitive_destroy(handle), "dnnl_primitive_destroy");
    }
}
