package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_cpu;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_engine_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_engine_destroy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A oneDNN CPU engine ({@code dnnl_engine_t}). Thread-safe; one per model is enough. It refuses to
 * close while objects created on it are open.
 */
public final class Engine extends NativeHandle {

    /** Open objects created on this engine. */
    private int dependents;

    private Engine(MemorySegment handle) {
        super(handle, "Engine");
    }

    synchronized void retain() {
        handle(); // throws once closed
        dependents++;
    }

    synchronized void release() {
        dependents--;
    }

    /**
     * @throws IllegalStateException while streams, memory objects or primitives created on this
     *         engine are still open
     */
    @Override
    synchronized void checkClosable() {
        if (dependents > 0) {
            throw new IllegalStateException("Engine still has " + dependents
                    + " open stream(s), memory object(s) or primitive(s); close them (or the networks and models using"
                    + " this engine) first");
        }
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
