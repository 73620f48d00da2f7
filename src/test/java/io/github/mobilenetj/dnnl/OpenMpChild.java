package io.github.mobilenetj.dnnl;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Run in a separate JVM by {@link OpenMpEnvironmentTest}: loads oneDNN, prints what the library
 * says about the wait policy ({@code POLICY <text>}), then asks the OpenMP runtime itself, with
 * {@code omp_display_env(1)}, which prints the settings libgomp took when it loaded (among them
 * {@code GOMP_SPINCOUNT}) on stderr.
 */
public final class OpenMpChild {
    private OpenMpChild() {
    }

    public static void main(String[] args) throws Throwable {
        NativeLibrary.Loaded loaded = NativeLibrary.load();
        System.out.println("POLICY " + loaded.openMp());
        System.out.flush();
        MemorySegment display = SymbolLookup.loaderLookup().find("omp_display_env").orElseThrow();
        MethodHandle handle = Linker.nativeLinker().downcallHandle(display, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
        handle.invokeExact(1);
    }
}
