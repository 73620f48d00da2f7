package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Networks compiled for bf16 computation (float32 in and out) against the float64 naive
 * reference. bf16 keeps 8 significant bits, so each product carries a relative error of about
 * 2^-8; the bound below is that error summed over the terms of each output.
 */
@Tag("arm64")
class Bf16Test {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @Test
    void separableBlockPoolAndLinearInBf16() {
        SplittableRandom random = new SplittableRandom(5);
        int c = 24;
        int h = 14;
        float[] x = Naive.random(random, 2 * c * h * h, 1.0);
        float[] dwW = Naive.random(random, c * 9, 0.5);
        float[] dwB = Naive.random(random, c, 0.1);
        float[] pwW = Naive.random(random, 40 * c, 0.3);
        float[] fcW = Naive.random(random, 10 * 40, 0.3);
        float[] fcB = Naive.random(random, 10, 0.1);
        List<Layer> net = List.of(
                Conv2d.depthwise(c, 3).padding(1).bias().relu(6).build(),
                Conv2d.pointwise(c, 40).relu().build(),
                new GlobalAvgPool(),
                new Linear(40, 10, true));

        float[] dw = Naive.activate(Naive.conv2d(x, 2, c, h, h, dwW, dwB, c, 3, 3, 1, 1, 1, 1, 1, c), 6f);
        float[] pw = Naive.activate(Naive.conv2d(dw, 2, c, h, h, pwW, null, 40, 1, 1, 1, 0, 0, 0, 0, 1), Float.POSITIVE_INFINITY);
        float[] expected = Naive.linear(Naive.globalAvgPool(pw, 2, 40, h * h), 2, 40, fcW, fcB, 10);

        float[] got;
        TestNet bf16;
        try {
            bf16 = TestNet.compile(engine, net, Arrays.asList(dwW, pwW, null, fcW), Arrays.asList(dwB, null, null, fcB),
                    Shape.of(2, c, h, h), PixelLayout.CHW, PixelLayout.CHW, DType.BF16, 1);
        } catch (UnsupportedOperationException e) {
            // CPUs without bf16 instructions (NEON-only aarch64): a clear error naming the feature is the contract.
            assertTrue(e.getMessage().contains("bf16") && e.getMessage().contains("FEAT_BF16"), e.getMessage());
            assumeTrue(false, "no bf16 convolutions on this CPU: " + e.getMessage());
            return;
        }
        try (TestNet compiled = bf16) {
            assertEquals(DType.BF16, compiled.network.plan().layer(0));
            got = compiled.run(x);
        }
        // Magnitude bound: sum over the chain of |activations| x |weights|, times 4 roundings of 2^-8.
        float scale = Naive.maxAbs(Naive.linear(Naive.globalAvgPool(abs(pw), 2, 40, h * h), 2, 40, abs(fcW), abs(fcB), 10));
        float tolerance = 4 * scale / 256;
        float error = Naive.maxAbsDiff(expected, got);
        assertTrue(error <= tolerance, "bf16 max abs error " + error + " > " + tolerance);
        assertTrue(error > 0, "bf16 results should differ from the float64 reference by rounding");
    }

    private static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }
}
