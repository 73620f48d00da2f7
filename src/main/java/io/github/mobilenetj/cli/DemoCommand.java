package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.Kernel;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.NativeRuntime;
import io.github.mobilenetj.model.Summary;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code mobilenetj demo}: what oneDNN does on this machine, end to end. */
final class DemoCommand {
    private final PrintStream out;

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    int run(List<String> args) throws IOException {
        if (!args.isEmpty()) {
            throw new UsageException("demo takes no arguments, got " + Text.safe(args.toString()));
        }
        NativeRuntime runtime = ModelSettings.natives();
        out.println("oneDNN " + runtime.oneDnnVersion() + " loaded from " + runtime.library()
                + (runtime.bundled() ? "" : " (chosen with -Dmobilenetj.dnnl.library / MOBILENETJ_DNNL_LIBRARY)"));
        out.println("OpenMP wait policy: " + runtime.openMpWaitPolicy());
        try (MobileNetV1 model = MobileNetV1.fashionMnist()) {
            out.println(isaLine(runtime.cpuIsa(), System.getProperty("os.arch"), model.kernels(), model.threads()));
            out.println();
            out.println("The bundled model, MobileNetV1 trained on Fashion-MNIST by this project (train/README.md):");
            out.print(model.summary());
            out.println();
            out.println("Its predictions for one Fashion-MNIST test image per class:");
            ClassifyCommand.printSamples(model, out);
            out.println();
            out.println(LatencyCommand.measure(model, 200, 50, model.threads(), 1, null));
        }
        try (MobileNetV1 model = MobileNetV1.builder().seed(ModelSettings.DEMO_SEED).build()) {
            Summary summary = model.summary();
            out.printf(Locale.ROOT, "%nThe paper's MobileNetV1 1.0-224 (%,d parameters, %,d multiply-adds; RANDOM weights, so"
                    + " for speed only). The kernels oneDNN chose for its first layers:%n", summary.totalParameters(),
                    summary.totalMultiplyAdds());
            for (Kernel k : model.kernels().subList(0, Math.min(6, model.kernels().size()))) {
                out.printf("  %-28s %-14s %s%n", k.layer(), k.operation(), k.implementation());
            }
            out.println(LatencyCommand.measure(model, 100, 20, model.threads(), 1, null));
        }
        return 0;
    }

    /**
     * What oneDNN runs on: on x86-64 the ISA it detected and the ISA suffixes of the convolution
     * kernels (e.g. "avx512_core" from "brgconv_1x1:avx512_core"); elsewhere, where oneDNN names no
     * ISA, the convolution kernels' full implementation names (e.g. "jit_dw:sve_128", or "gemm:ref"
     * on NEON-only arm64).
     */
    static String isaLine(Optional<String> isa, String osArch, List<Kernel> kernels, int threads) {
        List<String> convolutions = kernels.stream().filter(p -> p.operation().equals("convolution"))
                .map(Kernel::implementation).distinct().toList();
        if (isa.isPresent()) {
            List<String> suffixes = convolutions.stream()
                    .map(impl -> impl.contains(":") ? impl.substring(impl.indexOf(':') + 1) : impl).distinct().toList();
            return "CPU ISA oneDNN detected: " + isa.get() + "; its fp32 convolution kernels here use "
                    + String.join(", ", suffixes) + "; OpenMP threads: " + threads;
        }
        return "CPU ISA: not reported on " + osArch + " (oneDNN names x86 ISAs only); its fp32 convolution kernels here: "
                + String.join(", ", convolutions) + "; OpenMP threads: " + threads;
    }
}
