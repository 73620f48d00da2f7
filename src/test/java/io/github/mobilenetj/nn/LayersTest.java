package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Linear, GlobalAvgPool and a small conv -> pool -> linear network against the naive reference. */
@Tag("arm64")
class LayersTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    /** Runs {@code layers} on {@code x} (NCHW order) given in {@code layout}; returns the [N, C, 1, 1] output. */
    private static float[] run(List<Layer> layers, List<float[]> weights, List<float[]> biases, Shape input,
            PixelLayout layout, float[] x) {
        Shape output = Network.outputShape(layers, input);
        if (output.height() > 1 || output.width() > 1) {
            throw new AssertionError("only [N, C, 1, 1] outputs are compared here");
        }
        float[] in = layout == PixelLayout.CHW ? x
                : Naive.toNhwc(x, input.batch(), input.channels(), input.height(), input.width());
        try (TestNet net = TestNet.compile(engine, layers, weights, biases, input, layout, layout, DType.F32, 1)) {
            assertEquals(input, net.network.inputShape());
            assertEquals(output, net.network.outputShape());
            assertEquals(input.elementCount() * Float.BYTES, net.network.inputBytes());
            assertEquals(output.elementCount() * Float.BYTES, net.network.outputBytes());
            return net.run(in); // [N, C, 1, 1] is the same in both layouts
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
        float error = Naive.maxAbsDiff(want, got);
        assertTrue(error <= tolerance, what + ": max abs error " + error + " > " + tolerance);
    }

    // ---------------------------------------------------------------- Linear

    static Stream<Arguments> linearCases() {
        List<Arguments> list = new ArrayList<>();
        int[][] inputs = {
            {1, 16, 1, 1}, {3, 64, 1, 1}, {2, 1024, 1, 1}, // flattened vectors
            {1, 3, 4, 5}, {2, 8, 7, 5}, {3, 16, 3, 3}, // spatial input, flattened in NCHW order
        };
        for (int[] s : inputs) {
            for (boolean bias : new boolean[] {true, false}) {
                for (PixelLayout layout : PixelLayout.values()) {
                    list.add(Arguments.of(s[0], s[1], s[2], s[3], s[1] == 1024 ? 1000 : 10, bias, layout));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{3} -> {4} bias={5} {6}")
    @MethodSource("linearCases")
    void linearMatchesNaive(int n, int c, int h, int w, int out, boolean withBias, PixelLayout layout) {
        SplittableRandom r = new SplittableRandom(1000L * c + 10L * h + w + (withBias ? 1 : 0));
        int in = c * h * w;
        float[] weights = Naive.random(r, out * in, 1.0 / Math.sqrt(in));
        float[] bias = withBias ? Naive.random(r, out, 1.0) : null;
        float[] x = Naive.random(r, n * in, 2.0);
        Linear linear = new Linear(in, out, withBias);
        Shape input = Shape.of(n, c, h, w);
        assertEquals(Shape.of(n, out, 1, 1), linear.outputShape(input));
        assertEquals((long) in * out + (withBias ? out : 0), linear.parameterCount());

        float[] want = Naive.linear(x, n, in, weights, bias, out);
        assertClose(want, run(List.of(linear), Arrays.asList(weights), Arrays.asList(bias), input, layout, x),
                layout.toString());
    }

    // ---------------------------------------------------------------- GlobalAvgPool

    static Stream<Arguments> poolCases() {
        List<Arguments> list = new ArrayList<>();
        for (int[] hw : new int[][] {{7, 5}, {112, 112}}) {
            for (int c : new int[] {3, 40, 64}) {
                for (int n : new int[] {1, 3}) {
                    for (PixelLayout layout : PixelLayout.values()) {
                        list.add(Arguments.of(n, c, hw[0], hw[1], layout));
                    }
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "n{0} c{1} {2}x{3} {4}")
    @MethodSource("poolCases")
    void globalAvgPoolMatchesNaive(int n, int c, int h, int w, PixelLayout layout) {
        SplittableRandom r = new SplittableRandom(7L * c + h + n);
        // An offset keeps the mean away from zero, so a missing division or a dropped row shows.
        float[] x = Naive.random(r, n * c * h * w, 3.0);
        for (int i = 0; i < x.length; i++) {
            x[i] += 1.5f;
        }
        GlobalAvgPool pool = new GlobalAvgPool();
        Shape input = Shape.of(n, c, h, w);
        assertEquals(Shape.of(n, c, 1, 1), pool.outputShape(input));
        float[] want = Naive.globalAvgPool(x, n, c, h * w);
        assertClose(want, run(List.of(pool), Arrays.asList((float[]) null), Arrays.asList((float[]) null), input, layout, x),
                layout.toString());
    }

    // ---------------------------------------------------------------- conv -> pool -> linear

    static Stream<Arguments> sequentialCases() {
        List<Arguments> list = new ArrayList<>();
        for (int n : new int[] {1, 2}) {
            for (PixelLayout layout : PixelLayout.values()) {
                for (float cap : new float[] {Float.POSITIVE_INFINITY, 6f}) {
                    list.add(Arguments.of(n, layout, cap));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "n{0} {1} relu cap {2}")
    @MethodSource("sequentialCases")
    void convPoolLinearMatchesNaive(int n, PixelLayout layout, float cap) {
        SplittableRandom r = new SplittableRandom(n * 101L + layout.ordinal() * 7L + (long) Math.min(cap, 100));
        int cin = 8, cout = 16, h = 15, w = 13, classes = 10;
        float[] convW = Naive.random(r, cout * cin * 9, 0.5);
        float[] convB = Naive.random(r, cout, 0.5);
        float[] fcW = Naive.random(r, classes * cout, 1.0);
        float[] fcB = Naive.random(r, classes, 1.0);
        float[] x = Naive.random(r, n * cin * h * w, 2.0);

        Conv2d conv = Naive.withActivation(Conv2d.builder(cin, cout).kernel(3).stride(2).padding(1).bias(), cap).build();
        List<Layer> net = List.of(conv, new GlobalAvgPool(), new Linear(cout, classes, true));
        Shape input = Shape.of(n, cin, h, w);
        assertEquals(Shape.of(n, classes, 1, 1), Network.outputShape(net, input));

        int oh = (h + 2 - 3) / 2 + 1, ow = (w + 2 - 3) / 2 + 1;
        float[] y = Naive.activate(Naive.conv2d(x, n, cin, h, w, convW, convB, cout, 3, 3, 2, 1, 1, 1, 1, 1), cap);
        y = Naive.globalAvgPool(y, n, cout, oh * ow);
        float[] want = Naive.linear(y, n, cout, fcW, fcB, classes);
        assertClose(want, run(net, Arrays.asList(convW, null, fcW), Arrays.asList(convB, null, fcB), input, layout, x),
                layout + " cap " + cap);
    }
}
