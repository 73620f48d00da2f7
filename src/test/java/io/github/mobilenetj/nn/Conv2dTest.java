package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every convolution flavour against the naive reference over many shapes. */
@Tag("arm64")
class Conv2dTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    enum Kind { STANDARD, DEPTHWISE, POINTWISE, GROUPED }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        int[][] spatial = {{1, 1}, {7, 5}, {112, 112}};
        int[] channels = {3, 8, 24, 40, 64};
        float[] activations = Naive.ACTIVATIONS;
        int i = 0;
        for (Kind kind : Kind.values()) {
            for (int[] hw : spatial) {
                for (int c : channels) {
                    if (kind == Kind.GROUPED && c % 2 != 0) continue;
                    for (int stride = 1; stride <= 2; stride++) {
                        for (int pad = 0; pad <= 1; pad++) {
                            int k = kind == Kind.POINTWISE ? 1 : 3;
                            if (hw[0] + 2 * pad < k || hw[1] + 2 * pad < k) continue;
                            int big = hw[0] * hw[1] * c;
                            // The 112x112 cases are costly for the naive reference: keep a representative subset.
                            if (hw[0] == 112 && (c > 24 || pad == 0)) continue;
                            int batch = (i % 2 == 0 || big > 100_000) ? 1 : 3;
                            boolean bias = i % 3 != 0;
                            float act = activations[i % activations.length];
                            list.add(Arguments.of(kind, batch, c, hw[0], hw[1], stride, pad, bias, act));
                            i++;
                        }
                    }
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} n{1} c{2} {3}x{4} s{5} p{6} bias={7} relu cap {8}")
    @MethodSource("cases")
    void matchesNaiveReference(Kind kind, int batch, int channels, int h, int w, int stride, int pad, boolean withBias,
            float activation) {
        SplittableRandom random = new SplittableRandom(31L * channels + h * 7L + stride * 3L + pad);
        int out = switch (kind) {
            case DEPTHWISE -> channels;
            case GROUPED -> channels;
            default -> channels + 5;
        };
        int groups = switch (kind) {
            case DEPTHWISE -> channels;
            case GROUPED -> 2;
            default -> 1;
        };
        int k = kind == Kind.POINTWISE ? 1 : 3;
        float[] weights = Naive.random(random, out * (channels / groups) * k * k, 1.0);
        float[] bias = withBias ? Naive.random(random, out, 1.0) : null;
        float[] x = Naive.random(random, batch * channels * h * w, 2.0);

        Conv2d.Builder builder = Conv2d.builder(channels, out).kernel(k).stride(stride).padding(pad).groups(groups);
        Conv2d conv = Naive.withActivation(withBias ? builder.bias() : builder, activation).build();
        float[] expected = Naive.activate(Naive.conv2d(x, batch, channels, h, w, weights, bias, out, k, k, stride, pad, pad,
                pad, pad, groups), activation);

        for (PixelLayout layout : PixelLayout.values()) {
            Shape input = Shape.of(batch, channels, h, w);
            Shape output = conv.outputShape(input);
            float[] in = layout == PixelLayout.CHW ? x : Naive.toNhwc(x, batch, channels, h, w);
            float[] want = layout == PixelLayout.CHW ? expected
                    : Naive.toNhwc(expected, batch, out, output.height(), output.width());
            float[] got;
            try (TestNet net = TestNet.compile(engine, List.of(conv), Arrays.asList(weights), Arrays.asList(bias), input,
                    layout, layout, DType.F32, 1)) {
                got = net.run(in);
            }
            float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
            float error = Naive.maxAbsDiff(want, got);
            assertTrue(error <= tolerance, layout + ": max abs error " + error + " > " + tolerance);
        }
    }
}
