package io.github.mobilenetj.dnnl;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Owns one oneDNN handle: closes it exactly once and refuses use after close.
 *
 * <p>{@link #handle()} throws {@link IllegalStateException} once the object is closed, so a
 * closed wrapper can never pass a dangling pointer to native code. A second {@link #close()}
 * does nothing. Whoever creates a handle owns it and closes it after everything created from it
 * (the model's owner tree in {@code model} does this in order: sessions, then networks, then
 * weights, then the engine).
 */
abstract sealed class NativeHandle implements AutoCloseable
        permits Engine, Stream, MemoryDesc, Memory, PrimitiveAttr, PostOps, PrimitiveDesc, Primitive {

    private final AtomicReference<MemorySegment> handle;
    private final String kind;
    private final Engine engine;

    NativeHandle(MemorySegment handle, String kind) {
        this(handle, kind, null);
    }

    /** @param engine the engine this object was created on, or null */
    NativeHandle(MemorySegment handle, String kind, Engine engine) {
        if (handle == null || handle.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException(kind + ": oneDNN returned a NULL handle");
        }
        this.handle = new AtomicReference<>(handle);
        this.kind = kind;
        this.engine = engine;
    }

    /** The engine this object was created on, or null. */
    final Engine engine() {
        return engine;
    }

    /** The live native handle. */
    final MemorySegment handle() {
        MemorySegment h = handle.get();
        if (h == null) {
            throw new IllegalStateException(kind + " is closed");
        }
        return h;
    }

    public final boolean isClosed() {
        return handle.get() == null;
    }

    /** Releases the native object; later calls do nothing. */
    @Override
    public final void close() {
        MemorySegment h = handle.getAndSet(null);
        if (h != null) {
            destroy(h);
        }
    }

    /** Calls the matching {@code dnnl_*_destroy}. */
    abstract void destroy(MemorySegment handle);
}
