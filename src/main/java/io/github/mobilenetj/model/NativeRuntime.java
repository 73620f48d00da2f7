package io.github.mobilenetj.model;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.NativeLibrary;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The oneDNN this process runs on: which library file was loaded, its version, and what it
 * detected on this CPU. {@link #load()} loads the library if nothing has yet (which any model
 * build does anyway), so a server can fail fast at startup and log what it got.
 *
 * @param oneDnnVersion e.g. {@code 3.13.0 (0f0ac3b...)}
 * @param library the loaded library file: extracted from the bundled jar into the per-user cache,
 *        or the one named by {@code -Dmobilenetj.dnnl.library} / {@code MOBILENETJ_DNNL_LIBRARY}
 * @param bundled false when the library was chosen with that property or variable
 * @param cpuIsa on x86-64, the instruction set oneDNN dispatches to (e.g.
 *        {@code cpu_isa_avx10_1_512_amx}); empty elsewhere, where oneDNN names no ISA (see the
 *        kernels of {@link MobileNetV1#kernels()} instead)
 * @param maxThreads the most OpenMP threads a session may use ({@link MobileNetV1#maxThreads()})
 * @param openMpWaitPolicy how idle OpenMP threads wait, and who chose it: by default
 *        {@code OMP_WAIT_POLICY=PASSIVE (set by mobilenetj)}, set before the OpenMP runtime loaded,
 *        because spinning threads collapse multi-threaded sessions when the cores are contended;
 *        a policy in the environment ({@code OMP_WAIT_POLICY}, {@code GOMP_SPINCOUNT},
 *        {@code KMP_BLOCKTIME}, {@code KMP_LIBRARY}) wins, and
 *        {@code -Dmobilenetj.openmp.waitPolicy=active|default} chooses otherwise
 */
public record NativeRuntime(String oneDnnVersion, Path library, boolean bundled, Optional<String> cpuIsa, int maxThreads,
        String openMpWaitPolicy) {

    /**
     * Loads oneDNN if needed and describes it. Safe to call from any thread and any number of
     * times: the library is loaded once per class loader.
     *
     * @return the loaded library, its version and what it detected
     * @throws RuntimeException if there is no bundled oneDNN for this OS and architecture, or the
     *         library cannot be found, extracted or loaded; the message names the platform or file
     *         and the problem
     */
    public static NativeRuntime load() {
        NativeLibrary.Loaded loaded = NativeLibrary.load();
        return new NativeRuntime(Dnnl.version().toString(), loaded.library(), !loaded.overridden(), Dnnl.cpuIsa(),
                MobileNetV1.maxThreads(), loaded.openMp());
    }
}
