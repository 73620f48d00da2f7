package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.NativeLibrary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Detects convolutions that oneDNN runs on its <em>reference</em> kernels (plain C++ loops, e.g.
 * {@code gemm:ref} or {@code ref:any}) instead of JIT or library kernels, and logs one warning per
 * process when a network is compiled with any.
 *
 * <p>The usual cause is an arm64 CPU without SVE (NEON only: Neoverse N1, Graviton 2, Ampere
 * Altra, Apple M), where every convolution gets one. oneDNN 3.13 builds its aarch64 convolution
 * JIT kernels (brgconv, 1x1, depthwise), matmul and pooling for SVE (128, 256 and 512-bit) only;
 * for NEON (asimd) it has only eltwise and softmax kernels (the {@code :asimd} names elsewhere in the
 * binary come from a naming macro, not from kernels), and the oneDNN in {@code org.bytedeco:dnnl}
 * is built without the Arm Compute Library, which would supply NEON convolutions. (SVE CPUs get
 * one too for a few shapes those kernels do not cover, e.g. some 3x3 convolutions of tiny inputs;
 * MobileNetV1's do not.) The remedy is a oneDNN 3.x built with ACL, loaded through
 * {@code -Dmobilenetj.dnnl.library} or {@code MOBILENETJ_DNNL_LIBRARY} ({@link NativeLibrary}).
 *
 * <p>The warning goes to the {@link System.Logger} named after this class, at {@code WARNING}.
 * Convolutions carry almost all of MobileNetV1's work, so they decide: an inner product on a
 * reference kernel alone (oneDNN's aarch64 build runs the classifier as {@code gemm:ref} even on
 * SVE CPUs, under 1% of MobileNetV1's multiply-adds) is no reason to warn, but it is named with the
 * convolutions when they warn.
 */
public final class ReferenceKernelWarning {

    private static final System.Logger LOG = System.getLogger(ReferenceKernelWarning.class.getName());
    private static final AtomicReference<String> ISSUED = new AtomicReference<>();

    private ReferenceKernelWarning() {
    }

    /**
     * Whether {@code implementation} (oneDNN's {@code impl_info_str}) names a reference kernel:
     * one of its {@code :}-separated parts is {@code ref} or starts with {@code ref_}, as in
     * {@code gemm:ref}, {@code ref:any} or {@code ref_int8:any}. {@code ref_fused_convolution}
     * is not one: it only chains two other convolution primitives, whatever kernels they have.
     */
    public static boolean isReference(String implementation) {
        Objects.requireNonNull(implementation, "implementation");
        String[] parts = implementation.toLowerCase(Locale.ROOT).split(":");
        if (parts[0].equals("ref_fused_convolution")) {
            return false;
        }
        for (String part : parts) {
            if (part.equals("ref") || part.startsWith("ref_")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The primitives of a compiled network ({@link Network#primitives()}) worth warning
     * about: every convolution and inner product on a reference kernel, provided at least one of
     * them is a convolution; otherwise an empty list. Reorders, pooling and softmax never count.
     */
    public static List<Network.PrimitiveInfo> offendingLayers(List<Network.PrimitiveInfo> primitives) {
        List<Network.PrimitiveInfo> offending = new ArrayList<>();
        boolean convolution = false;
        for (Network.PrimitiveInfo p : primitives) {
            boolean hot = p.operation().equals("convolution") || p.operation().equals("inner product");
            if (hot && !p.reorder() && isReference(p.implementation())) {
                offending.add(p);
                convolution |= p.operation().equals("convolution");
            }
        }
        return convolution ? List.copyOf(offending) : List.of();
    }

    /**
     * The warning for a compiled network's {@code primitives} (some of them offending), written
     * for a JVM on {@code osArch}.
     */
    static String message(List<Network.PrimitiveInfo> primitives, String osArch) {
        List<Network.PrimitiveInfo> offending = offendingLayers(primitives);
        if (offending.isEmpty()) {
            throw new IllegalArgumentException("no convolution on a reference kernel in " + primitives);
        }
        Map<String, List<String>> byImplementation = new LinkedHashMap<>();
        for (Network.PrimitiveInfo p : offending) {
            byImplementation.computeIfAbsent(p.implementation(), k -> new ArrayList<>()).add(p.label());
        }
        List<String> groups = new ArrayList<>();
        byImplementation.forEach((impl, labels) -> groups.add("[" + impl + "] " + String.join(", ", labels)));
        StringBuilder text = new StringBuilder("oneDNN runs ").append(offending.size())
                .append(offending.size() == 1 ? " layer" : " layers")
                .append(" of this network on its reference kernels (plain C++ loops instead of JIT or library kernels);"
                        + " expect them to run roughly 100x slower than optimized kernels. Layers: ")
                .append(String.join("; ", groups)).append('.');
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            text.append(" On arm64 CPUs without SVE (NEON only, e.g. Neoverse N1, Graviton 2, Ampere Altra, Apple M)"
                    + " every convolution and the classifier get one: oneDNN 3.13 builds its arm64 convolution (brgconv,"
                    + " 1x1, depthwise), matmul and pooling JIT kernels for SVE (128/256/512-bit) only and has NEON kernels"
                    + " only for eltwise and softmax, and the bundled oneDNN (org.bytedeco:dnnl) has no Arm Compute Library;"
                    + " SVE CPUs get one only for a few shapes those kernels do not cover. Load a oneDNN 3.x built with the"
                    + " Arm Compute Library (cmake -DDNNL_AARCH64_USE_ACL=ON; oneDNN 3.13 needs ACL 53.1 or later) instead,"
                    + " with");
        } else {
            text.append(" No optimized oneDNN kernel fits these layers on this CPU (check ONEDNN_MAX_CPU_ISA and the"
                    + " data type); to load another oneDNN 3.x build, use");
        }
        text.append(" -D").append(NativeLibrary.PATH_PROPERTY).append("=/path/to/libdnnl.so or the environment variable ")
                .append(NativeLibrary.PATH_ENV).append(". (Logged once per process.)");
        return text.toString();
    }

    /**
     * The warning this process logged, if a network compiled so far had convolutions on reference
     * kernels; empty otherwise. Lets an application or a health check see what the log said.
     */
    public static Optional<String> issued() {
        return Optional.ofNullable(ISSUED.get());
    }

    /** Logs the warning if {@code primitives} deserve it and no warning was logged before. */
    static void check(List<Network.PrimitiveInfo> primitives) {
        if (ISSUED.get() != null) {
            return;
        }
        if (offendingLayers(primitives).isEmpty()) {
            return;
        }
        String message = message(primitives, System.getProperty("os.arch", ""));
        if (ISSUED.compareAndSet(null, message)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    /** Forgets that the warning was logged, so that a test can watch the next compilation. */
    static void resetForTests() {
        ISSUED.set(null);
    }
}
