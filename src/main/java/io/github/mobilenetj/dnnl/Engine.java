package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_cpu;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_engine_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_engine_destroy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A oneDNN CPU engine ({@code dnnl_engine_t}). Thread-safe; one per model is enough. Its owner
 * closes it last, after every stream, memory object and primitive created on it.
 */
public final class Engine extends NativeHandle {

    private Engine(MemorySegment handle) {
        super(handle, "Engine");
    }

    /** Creates the CPU engine, loading the native library first if needed. */
    public static Engine cpu() {
        NativeLibrary.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_engine_create(out, dnnl_cpu(), 0), "dnnl_engine_create");
            return new Engine(out.get(C_POINTER, 0));
        }
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_engine_destroy(handle), "dnnl_engine_destroy");
    }
}
