package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.dnnl_exec_arg_t;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A native {@code dnnl_exec_arg_t[]} built once and reused for every execution, so running a
 * primitive allocates nothing. The memory objects it names must outlive it.
 */
public final class ExecArgs {

    private final MemorySegment segment;
    private final Memory[] memories;
    private int count;

    public ExecArgs(Arena arena, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.segment = dnnl_exec_arg_t.allocateArray(capacity, arena);
        this.memories = new Memory[capacity];
    }

    /** Binds {@code memory} to the argument slot {@code arg}. */
    public ExecArgs put(Arg arg, Memory memory) {
        if (count == memories.length) {
            throw new IllegalStateException("ExecArgs holds at most " + memories.length + " arguments");
        }
        MemorySegment entry = dnnl_exec_arg_t.asSlice(segment, count);
        dnnl_exec_arg_t.arg(entry, arg.code());
        dnnl_exec_arg_t.memory(entry, memory.nativeHandle());
        memories[count++] = memory;
        return this;
    }

    /** Throws instead of letting oneDNN touch a memory object that was closed after binding. */
    void checkOpen() {
        for (int i = 0; i < count; i++) {
            if (memories[i].isClosed()) {
                throw new IllegalStateException("execution argument " + i + " refers to a closed Memory");
            }
        }
    }

    int count() {
        return count;
    }

    MemorySegment segment() {
        return segment;
    }
}
