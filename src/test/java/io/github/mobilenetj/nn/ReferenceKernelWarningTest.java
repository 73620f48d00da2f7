package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.NativeLibrary;
import io.github.mobilenetj.model.MobileNetV1;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The once-per-process warning about convolutions on oneDNN's reference kernels: the pure rules on
 * synthetic implementation names (the names are the ones oneDNN 3.13 reports on x86-64 AVX-512,
 * on an SVE arm64 CPU and on a NEON-only one), the logging, and a real compilation.
 *
 * <p>Under ci/arm64 the Maven profile passes the qemu {@code -cpu} value as
 * {@value #EMULATED_CPU}: there the real compilation must warn on {@code neoverse-n1} and must not
 * on the SVE CPU.
 */
@Tag("arm64")
class ReferenceKernelWarningTest {

    /** System property set by the arm64-emulated Maven profile to the qemu {@code -cpu} value. */
    static final String EMULATED_CPU = "mobilenetj.test.emulated.cpu";

    private static Network.PrimitiveInfo conv(int index, String kind, String impl) {
        return new Network.PrimitiveInfo(index + ": " + kind, "convolution", impl, false);
    }

    private static Network.PrimitiveInfo linear(int index, String impl) {
        return new Network.PrimitiveInfo(index + ": Linear", "inner product", impl, false);
    }

    private static Network.PrimitiveInfo reorder(String impl) {
        return new Network.PrimitiveInfo("reorder to 0: Conv2d", "reorder", impl, true);
    }

    /** MobileNet-shaped networks as oneDNN 3.13 compiles them on three CPUs. */
    private static final List<Network.PrimitiveInfo> AVX512 = List.of(reorder("jit:uni"),
            conv(0, "Conv2d", "brg_conv_fwd:avx512_core"), conv(1, "Conv2d dw", "brdgmm_dw:avx512_core"),
            conv(2, "Conv2d 1x1", "brgconv_1x1:avx512_core"),
            new Network.PrimitiveInfo("3: GlobalAvgPool", "pooling", "jit:avx512_core", false),
            linear(4, "brg_matmul:avx2"),
            new Network.PrimitiveInfo("5: Softmax", "softmax", "jit:avx512_core", false));
    private static final List<Network.PrimitiveInfo> SVE = List.of(reorder("jit:uni"),
            conv(0, "Conv2d", "jit:sve_128"), conv(1, "Conv2d dw", "jit_dw:sve_128"), conv(2, "Conv2d 1x1", "jit_1x1:sve_128"),
            new Network.PrimitiveInfo("3: GlobalAvgPool", "pooling", "jit:sve", false), linear(4, "gemm:ref"));
    private static final List<Network.PrimitiveInfo> NEON = List.of(reorder("jit:uni"),
            conv(0, "Conv2d", "gemm:ref"), conv(1, "Conv2d dw", "gemm:ref"), conv(2, "Conv2d 1x1", "gemm:ref"),
            new Network.PrimitiveInfo("3: GlobalAvgPool", "pooling", "simple_nchw:any", false), linear(4, "gemm:ref"),
            new Network.PrimitiveInfo("5: Softmax", "softmax", "jit:asimd", false));

    @Test
    void referenceImplementationNames() {
        for (String ref : List.of("gemm:ref", "ref:any", "ref_int8:any", "GEMM:REF")) {
            assertTrue(ReferenceKernelWarning.isReference(ref), ref);
        }
        for (String fast : List.of("jit:sve_128", "jit_dw:sve_128", "jit_1x1:sve_128", "brdgmm_dw:sve_256",
                "brg_conv_fwd:avx512_core", "brgconv_1x1:avx512_core", "brdgmm_dw:avx512_core", "gemm:jit", "gemm:acl",
                "indirect_gemm:acl", "jit:asimd", "jit:uni", "simple_nchw:any", "brg_matmul:avx512_core",
                // chains two other convolution primitives: its speed is theirs
                "ref_fused_convolution:any", "", "prefetch:any")) {
            assertFalse(ReferenceKernelWarning.isReference(fast), fast);
        }
    }

    @Test
    void onlyNeonOnlyArm64Offends() {
        assertEquals(List.of(), ReferenceKernelWarning.offendingLayers(AVX512));
        // oneDNN's aarch64 build runs the classifier as gemm:ref even with SVE: not worth a warning on its own.
        assertEquals(List.of(), ReferenceKernelWarning.offendingLayers(SVE));
        assertEquals(List.of(NEON.get(1), NEON.get(2), NEON.get(3), NEON.get(5)), ReferenceKernelWarning.offendingLayers(NEON));
    }

    @Test
    void referenceReordersPoolingAndSoftmaxDoNotOffend() {
        List<Network.PrimitiveInfo> primitives = List.of(reorder("ref:any"), conv(0, "Conv2d", "jit:sve_128"),
                new Network.PrimitiveInfo("1: GlobalAvgPool", "pooling", "ref:any", false),
                new Network.PrimitiveInfo("2: Softmax", "softmax", "ref:any", false));
        assertEquals(List.of(), ReferenceKernelWarning.offendingLayers(primitives));
        assertEquals(List.of(), ReferenceKernelWarning.offendingLayers(List.of()));
    }

    @Test
    void messageNamesTheLayersTheCostAndTheRemedy() {
        String arm = ReferenceKernelWarning.message(NEON, "aarch64");
        for (String part : List.of("reference kernels", "100x",
                "Layers: [gemm:ref] 0: Conv2d, 1: Conv2d dw, 2: Conv2d 1x1, 4: Linear. On arm64 CPUs without SVE",
                "4 layers", "Arm Compute Library", "-D" + NativeLibrary.PATH_PROPERTY + "=/path/to/libdnnl.so",
                NativeLibrary.PATH_ENV, "once per process")) {
            assertTrue(arm.contains(part), "missing '" + part + "' in: " + arm);
        }
        // One convolution of several (an SVE CPU and a shape its kernels do not cover): the same advice.
        List<Network.PrimitiveInfo> partial = List.of(conv(0, "Conv2d", "gemm:ref"), conv(1, "Conv2d dw", "jit_dw:sve_128"));
        String some = ReferenceKernelWarning.message(partial, "aarch64");
        assertTrue(some.contains(" 1 layer of this network") && some.contains("Layers: [gemm:ref] 0: Conv2d. On arm64"), some);
        assertTrue(some.contains("SVE CPUs get one only for a few shapes") && some.contains(NativeLibrary.PATH_ENV), some);

        String x86 = ReferenceKernelWarning.message(List.of(conv(3, "Conv2d dw", "ref:any"), conv(4, "Conv2d 1x1", "gemm:ref"),
                conv(5, "Conv2d dw", "ref:any")), "amd64");
        assertTrue(x86.contains("Layers: [ref:any] 3: Conv2d dw, 5: Conv2d dw; [gemm:ref] 4: Conv2d 1x1. No optimized"), x86);
        assertFalse(x86.contains("SVE"), x86);
        assertTrue(x86.contains("-D" + NativeLibrary.PATH_PROPERTY) && x86.contains(NativeLibrary.PATH_ENV), x86);
        assertThrows(IllegalArgumentException.class, () -> ReferenceKernelWarning.message(SVE, "aarch64"));
    }

    @Test
    void logsOnceAtWarningLevel() {
        Logger jul = Logger.getLogger(ReferenceKernelWarning.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        ReferenceKernelWarning.resetForTests();
        try {
            ReferenceKernelWarning.check(AVX512);
            ReferenceKernelWarning.check(SVE);
            assertEquals(Optional.empty(), ReferenceKernelWarning.issued());
            assertEquals(0, records.size());

            ReferenceKernelWarning.check(NEON);
            ReferenceKernelWarning.check(NEON);
            ReferenceKernelWarning.check(List.of(conv(7, "Conv2d", "ref:any")));
            assertEquals(1, records.size(), "the warning is logged once per process");
            assertEquals(Level.WARNING, records.get(0).getLevel());
            String expected = ReferenceKernelWarning.message(NEON, System.getProperty("os.arch"));
            assertEquals(expected, records.get(0).getMessage());
            assertEquals(Optional.of(expected), ReferenceKernelWarning.issued());
        } finally {
            jul.removeHandler(handler);
            ReferenceKernelWarning.resetForTests();
        }
    }

    /**
     * Compiles a small MobileNetV1 (α 0.25, 64x64) on this machine: the warning is issued exactly
     * when its convolutions got reference kernels. Under ci/arm64 the expectation is fixed by the
     * emulated CPU: NEON only (neoverse-n1) must warn, SVE must not.
     */
    @Test
    void compilingWarnsExactlyWhenConvolutionsGetReferenceKernels() throws Exception {
        ReferenceKernelWarning.resetForTests();
        try (MobileNetV1 model = MobileNetV1.builder().widthMultiplier(0.25).resolution(64).classes(10)
                .maxBatchSize(1).seed(5).build()) {
            List<Network.PrimitiveInfo> primitives = model.kernels().stream()
                    .map(k -> new Network.PrimitiveInfo(k.layer(), k.operation(), k.implementation(), k.reorder())).toList();
            List<Network.PrimitiveInfo> offending = ReferenceKernelWarning.offendingLayers(primitives);
            Optional<String> warning = ReferenceKernelWarning.issued();
            assertEquals(!offending.isEmpty(), warning.isPresent(), "offending " + offending + ", warning " + warning);
            for (Network.PrimitiveInfo p : offending) {
                assertTrue(warning.orElseThrow().contains(p.label()), p.label() + " not named in " + warning);
            }
            String cpu = System.getProperty(EMULATED_CPU);
            Optional<Boolean> expected = cpu == null ? Optional.empty() : expectReferenceKernels(cpu);
            System.out.println("REFERENCE-KERNELS cpu=" + cpu + " expected=" + expected.map(String::valueOf).orElse("?")
                    + " warned=" + warning.isPresent() + " offending=" + offending.size());
            if (expected.isPresent()) {
                assertEquals(expected.get(), warning.isPresent(), "qemu -cpu " + cpu + ": warning " + warning);
            }
            if (expected.orElse(false)) {
                // NEON only: every convolution is on a reference kernel, and the warning says why.
                List<Network.PrimitiveInfo> convolutions = primitives.stream()
                        .filter(p -> p.operation().equals("convolution")).toList();
                assertEquals(convolutions, offending.stream().filter(p -> p.operation().equals("convolution")).toList());
                assertTrue(warning.orElseThrow().contains("without SVE") && warning.get().contains("Arm Compute Library"),
                        warning.get());
            }
            if (warning.isPresent()) {
                System.out.println("REFERENCE-KERNELS warning: " + warning.get());
            }
        } finally {
            ReferenceKernelWarning.resetForTests();
        }
    }

    /**
     * Whether the bundled oneDNN runs convolutions on reference kernels on a qemu-aarch64 CPU model;
     * empty for models not measured (ci/arm64 runs {@code max} with SVE, and {@code neoverse-n1}).
     */
    static Optional<Boolean> expectReferenceKernels(String qemuCpu) {
        String[] parts = qemuCpu.toLowerCase(Locale.ROOT).replace(" ", "").split(",");
        if (List.of(parts).contains("sve=off")) {
            return Optional.empty();
        }
        return switch (parts[0]) {
            case "max" -> Optional.of(false);
            case "neoverse-n1" -> Optional.of(true);
            default -> Optional.empty();
        };
    }

    @Test
    void emulatedCpuExpectations() {
        assertEquals(Optional.of(false), expectReferenceKernels("max,sve-default-vector-length=16"));
        assertEquals(Optional.of(true), expectReferenceKernels("neoverse-n1"));
        assertEquals(Optional.empty(), expectReferenceKernels("max,sve=off"));
        assertEquals(Optional.empty(), expectReferenceKernels("cortex-a72"));
    }
}
