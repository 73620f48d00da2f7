package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.model.Kernel;
import io.github.mobilenetj.model.MobileNetV1;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Which kernels MobileNetV1's convolutions get, per CPU: on every CPU with optimized oneDNN
 * kernels none may be a reference kernel ({@code gemm:ref}, {@code ref:any}), so that a regression
 * to them (a oneDNN update, a layout or attribute change) fails CI instead of making inference
 * 100x slower. Where the vector length is known the kernels must be built for it.
 *
 * <p>Under ci/arm64 the emulated CPU comes from {@value ReferenceKernelWarningTest#EMULATED_CPU}
 * (the qemu {@code -cpu} value); as measured with oneDNN 3.13 ({@code org.bytedeco:dnnl:3.13-1.5.14}):
 * <ul>
 *   <li>{@code max,sve-default-vector-length=16} (SVE 128-bit: Neoverse N2/V2, Graviton 4, Cobalt 100):
 *       {@code jit:sve_128}, {@code jit_dw:sve_128}, {@code jit_1x1:sve_128};
 *   <li>{@code max,sve-default-vector-length=32} (SVE 256-bit: Graviton 3, Neoverse V1):
 *       {@code jit:sve_256}, {@code jit_dw:sve_256}, {@code jit_1x1:sve_256};
 *   <li>{@code neoverse-n1} (NEON only): {@code gemm:ref} for every convolution, asserted too, so that
 *       the README and the warning are revisited when a oneDNN update brings NEON convolutions.
 * </ul>
 * Without emulation: x86-64 must get no reference convolution, nor Linux arm64 with SVE (read from
 * {@code /proc/cpuinfo}); other platforms are not asserted (not measured).
 */
@Tag("arm64")
class EmulatedKernelsTest {

    /** What the convolutions must get. */
    record Expectation(boolean reference, Optional<String> isa) {
        static final Expectation UNKNOWN = new Expectation(false, Optional.of("?"));

        static Expectation optimized(String isa) {
            return new Expectation(false, Optional.ofNullable(isa));
        }

        static Expectation referenceKernels() {
            return new Expectation(true, Optional.empty());
        }
    }

    /**
     * The expectation for a qemu {@code -cpu} value ({@code emulatedCpu}, null when not emulated)
     * or for the real platform.
     */
    static Expectation expected(String emulatedCpu, String osName, String osArch, Supplier<String> cpuinfo) {
        if (emulatedCpu != null && !emulatedCpu.isBlank()) {
            List<String> parts = List.of(emulatedCpu.toLowerCase(Locale.ROOT).replace(" ", "").split(","));
            if (parts.contains("sve=off")) {
                return Expectation.UNKNOWN;
            }
            return switch (parts.getFirst()) {
                case "max" -> {
                    if (parts.contains("sve-default-vector-length=16")) yield Expectation.optimized("sve_128");
                    if (parts.contains("sve-default-vector-length=32")) yield Expectation.optimized("sve_256");
                    yield Expectation.optimized(null); // SVE of another length: JIT, name not asserted
                }
                case "neoverse-n1" -> Expectation.referenceKernels();
                default -> Expectation.UNKNOWN;
            };
        }
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return Expectation.optimized(null);
        }
        if (arch.equals("aarch64") && osName.startsWith("Linux")) {
            String info = cpuinfo.get();
            for (String line : info.split("\n")) {
                if (line.startsWith("Features") && List.of(line.split("[\\s:]+")).contains("sve")) {
                    return Expectation.optimized(null);
                }
            }
            return info.contains("Features") ? Expectation.referenceKernels() : Expectation.UNKNOWN;
        }
        return Expectation.UNKNOWN; // macOS arm64 and anything else: not measured
    }

    private static String procCpuinfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void expectationsPerCpu() {
        Supplier<String> none = () -> "";
        assertEquals(Expectation.optimized("sve_128"), expected("max,sve-default-vector-length=16", "Linux", "aarch64", none));
        assertEquals(Expectation.optimized("sve_256"), expected("max, sve-default-vector-length=32", "Linux", "aarch64", none));
        assertEquals(Expectation.optimized(null), expected("max", "Linux", "aarch64", none));
        assertEquals(Expectation.referenceKernels(), expected("neoverse-n1", "Linux", "aarch64", none));
        assertEquals(Expectation.UNKNOWN, expected("max,sve=off", "Linux", "aarch64", none));
        assertEquals(Expectation.UNKNOWN, expected("cortex-a72", "Linux", "aarch64", none));
        assertEquals(Expectation.optimized(null), expected(null, "Linux", "amd64", none));
        assertEquals(Expectation.optimized(null), expected(null, "Windows 11", "amd64", none));
        assertEquals(Expectation.optimized(null), expected(null, "Mac OS X", "x86_64", none));
        assertEquals(Expectation.UNKNOWN, expected(null, "Mac OS X", "aarch64", none));
        assertEquals(Expectation.optimized(null), expected(null, "Linux", "aarch64",
                () -> "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid"
                        + " asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm\n"));
        assertEquals(Expectation.referenceKernels(), expected(null, "Linux", "aarch64",
                () -> "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid\n"));
        // Whole words only: a flag that merely starts with "sve" does not count (real SVE CPUs list "sve" itself).
        assertEquals(Expectation.referenceKernels(), expected(null, "Linux", "aarch64", () -> "Features\t: fp asimd svebf16x\n"));
    }

    /** The convolutions of a MobileNetV1 compiled (not run) for batch 1, with their implementations. */
    private static List<Kernel> convolutions(double alpha, int resolution, PixelLayout inputLayout) {
        try (MobileNetV1 model = MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution).classes(10)
                .inputLayout(inputLayout).maxBatchSize(1).seed(14).build()) {
            List<Kernel> convs = new ArrayList<>();
            for (Kernel k : model.kernels()) {
                if (!k.reorder() && k.operation().equals("convolution")) {
                    convs.add(k);
                }
            }
            return convs;
        }
    }

    private static void check(double alpha, int resolution, PixelLayout inputLayout) {
        String cpu = System.getProperty(ReferenceKernelWarningTest.EMULATED_CPU);
        Expectation expectation = expected(cpu, System.getProperty("os.name"), System.getProperty("os.arch"),
                EmulatedKernelsTest::procCpuinfo);
        assumeTrue(!expectation.equals(Expectation.UNKNOWN), "kernels not measured for this CPU ("
                + (cpu != null ? "qemu -cpu " + cpu : System.getProperty("os.name") + " " + System.getProperty("os.arch")) + ")");
        List<Kernel> convs = convolutions(alpha, resolution, inputLayout);
        String what = "MobileNetV1 " + alpha + "-" + resolution + " " + inputLayout + " on "
                + (cpu != null ? "qemu -cpu " + cpu : System.getProperty("os.arch"));
        assertEquals(27, convs.size(), what + ": 1 + 13 x 2 convolutions");
        List<String> wrong = new ArrayList<>();
        for (Kernel p : convs) {
            String impl = p.implementation();
            System.out.println("KERNELS " + what + " | " + p.layer() + " | " + impl);
            boolean reference = ReferenceKernelWarning.isReference(impl);
            if (reference != expectation.reference()
                    || (!expectation.reference() && expectation.isa().isPresent() && !impl.endsWith(":" + expectation.isa().get()))) {
                wrong.add(p.layer() + " = " + impl);
            }
        }
        assertTrue(wrong.isEmpty(), what + ": expected " + (expectation.reference() ? "reference kernels (gemm:ref)"
                : "optimized kernels" + expectation.isa().map(i -> " for " + i).orElse("") + ", no reference kernel")
                + ", got: " + wrong);
        assertFalse(convs.isEmpty());
    }

    @Test
    void smallMobileNetNchw() {
        check(0.25, 128, PixelLayout.CHW);
    }

    @Test
    void smallMobileNetNhwc() {
        check(0.25, 128, PixelLayout.HWC);
    }

    /** The paper's network at full size (compiled only: creating its primitives is cheap even under qemu). */
    @Test
    void fullMobileNetNhwc() {
        check(1.0, 224, PixelLayout.HWC);
    }
}
