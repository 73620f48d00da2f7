package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * conv -> BatchNorm -> ReLU computed naively, step by step, equals the folded convolution run
 * through oneDNN; and the folding arithmetic on a hand-computed example.
 */
@Tag("arm64")
class BatchNormFoldTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    enum Kind { DEPTHWISE, POINTWISE }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (double eps : new double[] {1e-5, 1e-3}) {
                for (boolean bias : new boolean[] {false, true}) {
                    for (PixelLayout layout : PixelLayout.values()) {
                        list.add(Arguments.of(kind, eps, bias, layout));
                    }
                }
            }
        }
        return list.stream();
    }

    /** Running statistics as trained networks have them, including tiny variances where epsilon matters. */
    private static BatchNorm randomBatchNorm(SplittableRandom r, int c, double eps) {
        float[] gamma = Naive.random(r, c, 1.5);
        float[] beta = Naive.random(r, c, 1.0);
        float[] mean = Naive.random(r, c, 1.0);
        float[] variance = new float[c];
        for (int i = 0; i < c; i++) {
            variance[i] = switch (i % 4) {
                case 0 -> 0f; // a dead channel: only epsilon keeps the division finite
                case 1 -> (float) (eps * 0.5);
                default -> (float) (r.nextDouble() * 2 + 0.01);
            };
        }
        return new BatchNorm(gamma, beta, mean, variance, eps);
    }

    @ParameterizedTest(name = "{0} eps={1} bias={2} {3}")
    @MethodSource("cases")
    void foldedConvolutionMatchesConvThenBatchNormThenRelu(Kind kind, double eps, boolean withBias, PixelLayout layout) {
        SplittableRandom r = new SplittableRandom(kind.ordinal() * 1000L + (long) (1 / eps) + (withBias ? 7 : 0));
        int n = 2, cin = 24, h = 9, w = 11;
        int cout = kind == Kind.DEPTHWISE ? cin : 40;
        int k = kind == Kind.DEPTHWISE ? 3 : 1;
        int groups = kind == Kind.DEPTHWISE ? cin : 1;
        int stride = kind == Kind.DEPTHWISE ? 2 : 1;
        int pad = kind == Kind.DEPTHWISE ? 1 : 0;
        float[] weights = Naive.random(r, cout * (cin / groups) * k * k, 0.5);
        float[] bias = withBias ? Naive.random(r, cout, 0.5) : null;
        float[] x = Naive.random(r, n * cin * h * w, 2.0);
        BatchNorm bn = randomBatchNorm(r, cout, eps);

        Conv2d.Builder builder = kind == Kind.DEPTHWISE ? Conv2d.depthwise(cin, 3) : Conv2d.pointwise(cin, cout);
        Conv2d conv = builder.stride(stride).padding(pad).bias().relu().build();
        float[] foldedWeights = weights.clone();
        float[] foldedBias = bias == null ? new float[cout] : bias.clone();
        fold(bn, foldedWeights, foldedBias);

        Shape input = Shape.of(n, cin, h, w);
        Shape output = conv.outputShape(input);
        int hw = output.height() * output.width();
        // The unfolded computation, in the order a framework runs it.
        float[] y = Naive.conv2d(x, n, cin, h, w, weights, bias, cout, k, k, stride, pad, pad, pad, pad, groups);
        y = Naive.batchNorm(y, n, cout, hw, bn);
        float[] want = Naive.activate(y, Float.POSITIVE_INFINITY);

        float[] in = layout == PixelLayout.CHW ? x : Naive.toNhwc(x, n, cin, h, w);
        float[] got;
        try (TestNet net = TestNet.compile(engine, List.of(conv), Arrays.asList(foldedWeights), Arrays.asList(foldedBias),
                input, layout, layout, DType.F32, 1)) {
            got = net.run(in);
        }
        if (layout == PixelLayout.HWC) {
            want = Naive.toNhwc(want, n, cout, output.height(), output.width());
        }
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
        float error = Naive.maxAbsDiff(want, got);
        assertTrue(error <= tolerance, "max abs error " + error + " > " + tolerance);
    }

    // ---------------------------------------------------------------- the arithmetic itself

    /** {@link BatchNorm#foldInto} on arrays: weights and bias rewritten in place. */
    private static void fold(BatchNorm bn, float[] weights, float[] bias) {
        MemorySegment w = MemorySegment.ofArray(weights);
        MemorySegment b = MemorySegment.ofArray(bias);
        bn.foldInto(w, b);
    }

    /**
     * One channel, by hand: gamma 3, beta 0.5, mean 4, variance 3, eps 1, so
     * scale = 3 / sqrt(3 + 1) = 1.5; w' = 1.5 w; b' = 0.5 + (b - 4) * 1.5.
     */
    @Test
    void foldingArithmeticOnOneChannel() {
        BatchNorm bn = new BatchNorm(new float[] {3f}, new float[] {0.5f}, new float[] {4f}, new float[] {3f}, 1.0);
        float[] weights = {1, 2, 3, 4, 5, 6, 7, 8, -9};
        float[] w = weights.clone();
        float[] b = {1f};
        fold(bn, w, b);
        assertArrayEquals(new float[] {1.5f, 3f, 4.5f, 6f, 7.5f, 9f, 10.5f, 12f, -13.5f}, w);
        assertArrayEquals(new float[] {-4f}, b); // 0.5 + (1 - 4) * 1.5

        float[] w2 = weights.clone();
        float[] b2 = {0f}; // a convolution without bias
        fold(bn, w2, b2);
        assertArrayEquals(new float[] {1.5f, 3f, 4.5f, 6f, 7.5f, 9f, 10.5f, 12f, -13.5f}, w2);
        assertArrayEquals(new float[] {-5.5f}, b2); // 0.5 + (0 - 4) * 1.5
    }

    /** Per-channel scales on a 2-channel pointwise conv: each output row is scaled by its own channel. */
    @Test
    void foldingArithmeticPerChannel() {
        // channel 0: scale = 2 / sqrt(0.75 + 0.25) = 2; channel 1: scale = 1 / sqrt(15.75 + 0.25) = 0.25
        BatchNorm bn = new BatchNorm(new float[] {2f, 1f}, new float[] {0f, 1f}, new float[] {1f, -2f},
                new float[] {0.75f, 15.75f}, 0.25);
        float[] w = {1, 2, 3, 4, 5, 6};
        float[] b = {3f, 2f};
        fold(bn, w, b);
        assertArrayEquals(new float[] {2, 4, 6, 1, 1.25f, 1.5f}, w);
        // b'0 = 0 + (3 - 1) * 2 = 4; b'1 = 1 + (2 + 2) * 0.25 = 2
        assertArrayEquals(new float[] {4f, 2f}, b);
    }

    @Test
    void foldingComputesInDoublePrecision() {
        // gamma / sqrt(var + eps) with var + eps = 1e-5: scale = 1000 * sqrt(10) ≈ 316.2278.
        BatchNorm bn = new BatchNorm(new float[] {1f}, new float[] {0f}, new float[] {0f}, new float[] {0f}, 1e-5);
        float[] w = {1f};
        fold(bn, w, new float[1]);
        assertEquals((float) (1 / Math.sqrt(1e-5)), w[0], 0f);
    }

    @Test
    void foldingRejectsAChannelMismatch() {
        BatchNorm bn = new BatchNorm(new float[3], new float[3], new float[3], new float[] {1, 1, 1}, 1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fold(bn, new float[8], new float[4]));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> fold(bn, new float[9], new float[4]));
        assertTrue(e2.getMessage().contains("bias") && e2.getMessage().contains("3 channels"), e2.getMessage());
    }

    /** A scale that overflows float (tiny variance, huge gamma) is refused, naming the channel, instead of folding to Inf. */
    @Test
    void foldingRefusesNonFiniteResults() {
        BatchNorm bn = new BatchNorm(new float[] {1f, 3e38f}, new float[2], new float[2], new float[] {1f, 0f}, 1e-30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fold(bn, new float[] {1f, 2f}, new float[2]));
        assertTrue(e.getMessage().startsWith("channel 1"), e.getMessage());
    }

    @Test
    void batchNormRejectsNonPositiveVariancePlusEpsilon() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchNorm(new float[2], new float[2], new float[2], new float[] {1f, -1f}, 1e-5));
        assertTrue(e.getMessage().contains("channel 1"), e.getMessage());
        assertEquals(2, new BatchNorm(new float[2], new float[2], new float[2], new float[] {1f, 1f}, 0).channels());
    }
}
