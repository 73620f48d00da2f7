package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.C_POINTER;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_create;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_destroy;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_memory_set_data_handle;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A oneDNN memory object ({@code dnnl_memory_t}) over a buffer the caller owns.
 *
 * <p>oneDNN never allocates here: the buffer is a native {@link MemorySegment} from the owner's
 * arena, checked to be large enough for the descriptor before oneDNN sees it. The buffer can be
 * swapped with {@link #attach(MemorySegment)}, which is how callers' input and output segments
 * are used without copying. Not thread-safe while being re-attached.
 */
public final class Memory extends NativeHandle {

    private final MemoryDesc desc;
    private final long byteSize;
    private MemorySegment buffer;

    public Memory(Engine engine, MemoryDesc desc, MemorySegment buffer) {
        super(create(engine, desc, checked(desc, buffer)), "Memory", engine);
        this.desc = desc;
        this.byteSize = desc.byteSize();
        this.buffer = buffer;
    }

    private static MemorySegment create(Engine engine, MemoryDesc desc, MemorySegment buffer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            Status.check(dnnl_memory_create(out, desc.handle(), engine.handle(), buffer), "dnnl_memory_create",
                    desc.toString());
            return out.get(C_POINTER, 0);
        }
    }

    private static MemorySegment checked(MemoryDesc desc, MemorySegment buffer) {
        if (buffer == null) {
            throw new NullPointerException("buffer for " + desc + " is null");
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("buffer for " + desc
                    + " must be a native segment (Arena.allocate or a mapped file), not a heap segment");
        }
        if (buffer.byteSize() < desc.byteSize()) {
            throw new IllegalArgumentException("buffer of " + buffer.byteSize() + " bytes is too small for " + desc);
        }
        return buffer;
    }

    /** Points this memory object at another buffer of sufficient size. Allocation-free. */
    public void attach(MemorySegment newBuffer) {
        if (newBuffer.byteSize() < byteSize || !newBuffer.isNative()) {
            checked(desc, newBuffer);
        }
        Status.check(dnnl_memory_set_data_handle(handle(), newBuffer), "dnnl_memory_set_data_handle");
        buffer = newBuffer;
    }

    public MemoryDesc desc() {
        return desc;
    }

    /** The buffer currently attached. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** The raw handle, for building execution argument lists inside this package. */
    MemorySegment nativeHandle() {
        return handle();
    }

    @Override
    void destroy(MemorySegment handle) {
        Status.check(dnnl_memory_destroy(handle), "dnnl_memory_destroy");
    }
}
