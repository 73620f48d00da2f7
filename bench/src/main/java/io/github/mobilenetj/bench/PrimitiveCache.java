package io.github.mobilenetj.bench;

import io.github.mobilenetj.dnnl.NativeLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * oneDNN's primitive cache capacity ({@code dnnl_get/set_primitive_cache_capacity}), which the library's
 * bindings do not expose: looked up in the oneDNN library the library loaded. With capacity 0 every primitive
 * creation builds (and JIT-compiles) its kernel from scratch, as in a fresh process.
 */
final class PrimitiveCache {

    private static final MethodHandle SET;
    private static final MethodHandle GET;

    static {
        SymbolLookup lookup = SymbolLookup.libraryLookup(NativeLibrary.load().library(), Arena.global());
        Linker linker = Linker.nativeLinker();
        SET = linker.downcallHandle(lookup.findOrThrow("dnnl_set_primitive_cache_capacity"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        GET = linker.downcallHandle(lookup.findOrThrow("dnnl_get_primitive_cache_capacity"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    private PrimitiveCache() {
    }

    static int capacity() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check((int) GET.invokeExact(out), "dnnl_get_primitive_cache_capacity");
            return out.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setCapacity(int capacity) {
        try {
            check((int) SET.invokeExact(capacity), "dnnl_set_primitive_cache_capacity");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " returned status " + status);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
