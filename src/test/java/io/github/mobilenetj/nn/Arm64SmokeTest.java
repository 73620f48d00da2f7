package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.NativeLibrary;
import io.github.mobilenetj.dnnl.Platform;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A few MobileNet layers and a tiny whole MobileNetV1 against the naive references, sized to run in
 * seconds under qemu-user (ci/arm64), plus which oneDNN implementation each layer kind got.
 * It runs in the normal suite too, on whatever platform the build runs on.
 *
 * <p>Prints lines {@code ARM64-IMPL <network> | <layer kind> | <operation> | <implementation>};
 * ci/arm64/run.sh collects them per emulated CPU.
 */
@Tag("arm64")
class Arm64SmokeTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void loadsTheNativesOfThisPlatform() {
        Platform platform = Platform.current();
        String arch = System.getProperty("os.arch");
        if (arch.equals("aarch64") && System.getProperty("os.name").startsWith("Linux")) {
            assertSame(Platform.LINUX_ARM64, platform);
        }
        NativeLibrary.Loaded loaded = NativeLibrary.load();
        if (!loaded.overridden()) {
            for (Path file : loaded.files()) {
                assertTrue(file.getParent().getFileName().toString().startsWith("dnnl-" + platform.classifier() + "-"),
                        file + " is not in a " + platform.classifier() + " cache directory");
            }
        }
        Dnnl.Version version = Dnnl.version();
        assertEquals(3, version.major());
        assertEquals(13, version.minor());
        System.out.println("ARM64-INFO os.arch=" + arch + " platform=" + platform.classifier() + " oneDNN " + version
                + " threads=" + Dnnl.threads() + " library=" + loaded.library());
    }

    // ---------------------------------------------------------------- single layers

    /** One MobileNet-shaped convolution against Naive, in both layouts. */
    private static void checkConv(String what, int cin, int cout, int kernel, int stride, int groups, int size,
            float activation, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int batch = 2;
        float[] w = Naive.random(r, cout * (cin / groups) * kernel * kernel, 1.0 / Math.sqrt(cin / groups * kernel * kernel));
        float[] b = Naive.random(r, cout, 0.5);
        float[] x = Naive.random(r, batch * cin * size * size, 2.0);
        int pad = kernel / 2;
        Conv2d conv = Naive.withActivation(Conv2d.builder(cin, cout).kernel(kernel).stride(stride).padding(pad)
                .groups(groups).bias(), activation).build();
        Shape input = Shape.of(batch, cin, size, size);
        Shape output = conv.outputShape(input);
        float[] expected = Naive.activate(Naive.conv2d(x, batch, cin, size, size, w, b, cout, kernel, kernel, stride, pad,
                pad, pad, pad, groups), activation);
        for (PixelLayout layout : PixelLayout.values()) {
            float[] in = layout == PixelLayout.CHW ? x : Naive.toNhwc(x, batch, cin, size, size);
            float[] want = layout == PixelLayout.CHW ? expected
                    : Naive.toNhwc(expected, batch, cout, output.height(), output.width());
            float[] got;
            try (TestNet net = TestNet.compile(engine, List.of(conv), Arrays.asList(w), Arrays.asList(b), input, layout, layout,
                    DType.F32, 1)) {
                got = net.run(in);
                report(what + " " + layout, net.network.primitives());
            }
            assertClose(want, got, what + " " + layout);
        }
    }

    @Test
    void firstConvolutionMatchesNaive() {
        checkConv("conv3x3 s2 3->8 15x15", 3, 8, 3, 2, 1, 15, Float.POSITIVE_INFINITY, 1);
    }

    @Test
    void depthwiseConvolutionsMatchNaive() {
        checkConv("dw3x3 s1 c16 9x9", 16, 16, 3, 1, 16, 9, Float.POSITIVE_INFINITY, 2);
        checkConv("dw3x3 s2 c16 9x9", 16, 16, 3, 2, 16, 9, 6f, 3);
    }

    @Test
    void pointwiseConvolutionMatchesNaive() {
        checkConv("conv1x1 16->24 7x7", 16, 24, 1, 1, 1, 7, Float.POSITIVE_INFINITY, 4);
    }

    @Test
    void poolAndLinearMatchNaive() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 2, c = 24, hw = 5, classes = 10;
        float[] fcW = Naive.random(r, classes * c, 1.0 / Math.sqrt(c));
        float[] fcB = Naive.random(r, classes, 0.5);
        float[] x = Naive.random(r, n * c * hw * hw, 2.0);
        List<Layer> net = List.of(new GlobalAvgPool(), new Linear(c, classes, true));
        float[] want = Naive.linear(Naive.globalAvgPool(x, n, c, hw * hw), n, c, fcW, fcB, classes);
        for (PixelLayout layout : PixelLayout.values()) {
            float[] in = layout == PixelLayout.CHW ? x : Naive.toNhwc(x, n, c, hw, hw);
            float[] got;
            try (TestNet compiled = TestNet.compile(engine, net, Arrays.asList(null, fcW), Arrays.asList(null, fcB),
                    Shape.of(n, c, hw, hw), layout, layout, DType.F32, 1)) {
                got = compiled.run(in);
                report("pool+fc " + layout, compiled.network.primitives());
            }
            assertClose(want, got, "pool+fc " + layout);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void assertClose(float[] want, float[] got, String what) {
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
        float error = Naive.maxAbsDiff(want, got);
        assertTrue(error <= tolerance, what + ": max abs error " + error + " > " + tolerance);
    }

    /** Prints the implementation of every primitive, grouped by layer kind ("3: Conv2d dw" -> "Conv2d dw"). */
    static void report(String network, List<Network.PrimitiveInfo> primitives) {
        Map<String, TreeSet<String>> byKind = new TreeMap<>();
        for (Network.PrimitiveInfo p : primitives) {
            String kind = p.reorder() ? "reorder" : p.label().replaceFirst("^\\d+: ", "");
            byKind.computeIfAbsent(kind + " | " + p.operation(), k -> new TreeSet<>()).add(p.implementation());
        }
        List<String> lines = new ArrayList<>();
        byKind.forEach((k, impls) -> lines.add("ARM64-IMPL " + network + " | " + k + " | " + String.join(", ", impls)));
        lines.forEach(System.out::println);
    }
}
