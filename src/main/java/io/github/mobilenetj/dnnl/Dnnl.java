package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;
import io.github.mobilenetj.dnnl.ffi.dnnl_version_t;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Optional;

/** Library-wide facts and settings of the loaded oneDNN. */
public final class Dnnl {

    /** oneDNN's version, e.g. 3.13.0 and the git hash it was built from. */
    public record Version(int major, int minor, int patch, String hash) {
        @Override
        public String toString() {
            return major + "." + minor + "." + patch + (hash == null || hash.isEmpty() ? "" : " (" + hash + ")");
        }
    }

    private Dnnl() {
    }

    public static Version version() {
        NativeLibrary.load();
        MemorySegment v = DnnlNative.dnnl_version().reinterpret(dnnl_version_t.sizeof());
        return new Version(dnnl_version_t.major(v), dnnl_version_t.minor(v), dnnl_version_t.patch(v),
                NativeStrings.read(dnnl_version_t.hash(v)));
    }

    /**
     * The x86-64 instruction set oneDNN detected and may dispatch to on this CPU, as
     * {@code dnnl_get_effective_cpu_isa} reports it, e.g. {@code cpu_isa_avx10_1_512_amx}
     * (limited by {@code ONEDNN_MAX_CPU_ISA}). Each kernel uses the subset it needs, shown in
     * {@link Primitive#implementation()} (fp32 convolutions run {@code avx512_core} code even on AMX
     * CPUs).
     *
     * <p>Empty on every other architecture: {@code dnnl_cpu_isa_t} only has x86 values, and on
     * aarch64 the call answers with x86 names that mean nothing there. Show the implementation
     * names of the primitives instead (e.g. {@code jit:sve_128}, or {@code gemm:ref} on NEON-only
     * CPUs), which say which kernels actually run.
     */
    public static Optional<String> cpuIsa() {
        if (!isX86_64(System.getProperty("os.arch", ""))) {
            return Optional.empty();
        }
        NativeLibrary.load();
        return Optional.of(NativeStrings.read(DnnlNative.dnnl_cpu_isa2str(DnnlNative.dnnl_get_effective_cpu_isa())));
    }

    /** Whether {@code osArch} (a value of the {@code os.arch} property) is x86-64. */
    static boolean isX86_64(String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x64");
    }

    /**
     * Sets how many OpenMP threads primitives use when run from the calling thread.
     * OpenMP keeps this per calling thread, so each thread that runs inference sets its own.
     */
    public static void setThreads(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("thread count must be positive, got " + threads);
        }
        NativeLibrary.load();
        DnnlNative.omp_set_num_threads(threads);
    }

    /** The number of OpenMP threads primitives run with from the calling thread. */
    public static int threads() {
        NativeLibrary.load();
        return DnnlNative.omp_get_max_threads();
    }
}
