package io.github.mobilenetj.cli;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.NativeLibrary;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Summary;
import io.github.mobilenetj.nn.Activation;
import io.github.mobilenetj.nn.CompiledNetwork;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.Layout;
import io.github.mobilenetj.nn.Sequential;
import io.github.mobilenetj.nn.Shape;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/** {@code mobilenetj demo}: what oneDNN does on this machine, end to end. */
final class DemoCommand {
    private final PrintStream out;

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    void run(List<String> args) throws IOException {
        if (!args.isEmpty()) {
            throw new UsageException("demo takes no arguments, got " + args);
        }
        NativeLibrary.Loaded loaded = NativeLibrary.load();
        out.println("oneDNN " + Dnnl.version() + " loaded from " + loaded.library());
        List<CompiledNetwork.PrimitiveInfo> kernels = separableBlock();
        out.println(isaLine(Dnnl.cpuIsa(), System.getProperty("os.arch"), kernels, Dnnl.threads()));
        out.println();
        out.println("Depthwise separable block (MobileNetV1 block 1: 32 -> 64 channels at 112x112, NCHW in and out):");
        for (CompiledNetwork.PrimitiveInfo p : kernels) {
            out.printf("  %-28s %-14s %s%n", p.label(), p.operation(), p.implementation());
        }
        out.println();
        int threads = Runtime.getRuntime().availableProcessors();
        try (MobileNetV1 model = MobileNetV1.fashionMnist(1)) {
            out.println("The bundled model, MobileNetV1 trained on Fashion-MNIST by this project (train/README.md):");
            out.print(model.summary());
            out.println();
            out.println("Its predictions for one Fashion-MNIST test image per class:");
            ClassifyCommand.printSamples(model, out);
            out.println();
            out.println(LatencyCommand.measure(model, 200, 50, threads, 1));
        }
        try (MobileNetV1 model = MobileNetV1.builder().randomWeights(ModelSettings.DEMO_SEED).build()) {
            Summary summary = model.summary();
            out.printf(Locale.ROOT, "%nThe paper's MobileNetV1 1.0-224 (%,d parameters, %,d multiply-adds; RANDOM weights, so"
                    + " for speed only):%n", summary.totalParameters(), summary.totalMultiplyAdds());
            out.println(LatencyCommand.measure(model, 100, 20, threads, 1));
        }
    }

    /**
     * What oneDNN runs on: on x86-64 the ISA it detected and the ISA suffixes of the convolution
     * kernels (e.g. "avx512_core" from "brgconv_1x1:avx512_core"); elsewhere, where oneDNN names no
     * ISA ({@link Dnnl#cpuIsa()} is empty), the convolution kernels' full implementation names
     * (e.g. "jit_dw:sve_128", or "gemm:ref" on NEON-only arm64).
     */
    static String isaLine(Optional<String> isa, String osArch, List<CompiledNetwork.PrimitiveInfo> kernels, int threads) {
        List<String> convolutions = kernels.stream().filter(p -> p.operation().equals("convolution"))
                .map(CompiledNetwork.PrimitiveInfo::implementation).distinct().toList();
        if (isa.isPresent()) {
            List<String> suffixes = convolutions.stream()
                    .map(impl -> impl.contains(":") ? impl.substring(impl.indexOf(':') + 1) : impl).distinct().toList();
            return "CPU ISA oneDNN detected: " + isa.get() + "; its fp32 convolution kernels here use "
                    + String.join(", ", suffixes) + "; OpenMP threads: " + threads;
        }
        return "CPU ISA: not reported on " + osArch + " (oneDNN names x86 ISAs only); its fp32 convolution kernels here: "
                + String.join(", ", convolutions) + "; OpenMP threads: " + threads;
    }

    /** Compiles MobileNetV1's first depthwise separable block (32 -> 64 channels at 112x112); returns its kernels. */
    private static List<CompiledNetwork.PrimitiveInfo> separableBlock() {
        SplittableRandom random = new SplittableRandom(1);
        Conv2d depthwise = Conv2d.depthwise(32, 3).padding(1).weights(values(random, 32 * 9))
                .bias(values(random, 32)).activation(Activation.RELU).build();
        Conv2d pointwise = Conv2d.pointwise(32, 64).weights(values(random, 64 * 32))
                .bias(values(random, 64)).activation(Activation.RELU).build();
        Shape input = Shape.of(1, 32, 112, 112);
        try (Engine engine = Engine.cpu();
                CompiledNetwork block = Sequential.of(depthwise, pointwise).compile(engine, input, Layout.NCHW, Layout.NCHW)) {
            return block.primitives();
        }
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() - 0.5);
        }
        return v;
    }
}
