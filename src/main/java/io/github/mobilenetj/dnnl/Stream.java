package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_stream_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_stream_default_flags;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_stream_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_stream_wait;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A oneDNN execution stream ({@code dnnl_stream_t}). Not thread-safe: one per executing thread. */
public final class Stream extends NativeHandle {

    public Stream(Engine engine) {
        super(create(engine), "Stream", engine);
    }

    private static MemorySegment create(Engine engine) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_stream_create(out, engine.handle(), dnnl_stream_default_flags()), "dnnl_stream_create");
            return out.get(C_POINTER, 0);
        }
    }

    /** Blocks until every primitive submitted to this stream has finished. */
    public void await() {
        Status.check(dnnl_stream_wait(handle()), "dnnl_stream_wait");
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_stream_destroy(handle), "dnnl_stream_destroy");
    }
}
