package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every 8-bit layer kind against a naive Java reference that quantizes the same way: s8 input
 * codes {@code q = rint(x / s)}, s8 weights per output channel, integer accumulation,
 * {@code y = act(acc · s_in · s_w[o] + bias)}, u8 output codes {@code rint(y / s_out)} saturated.
 *
 * <p>Where the arithmetic allows, the comparison is exact: inputs are whole multiples of their
 * scale (so input quantization is exact), a layer under test reads its u8 codes through a 1x1
 * identity layer (weights 1, scale 1/127, input scale 1: the codes pass unchanged), and float
 * outputs differ from the double-precision reference only by float32 rounding of the final
 * products (bound: 1e-5 of the output's magnitude). Where oneDNN rounds a real value to a u8 code,
 * the bound is one code, and only at values within 1e-4 of a rounding tie (x.5).
 */
@Tag("arm64")
class QuantizedLayersTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    // ---------------------------------------------------------------- the naive reference

    /** Per-output-channel symmetric quantization: codes in ±127, scale max|w| / 127 (1 for a zero row). */
    record Quantized(float[] codes, float[] scales) {
        static Quantized of(float[] w, int rows) {
            int per = w.length / rows;
            float[] codes = new float[w.length];
            float[] scales = new float[rows];
            for (int o = 0; o < rows; o++) {
                float max = 0;
                for (int i = 0; i < per; i++) {
                    max = Math.max(max, Math.abs(w[o * per + i]));
                }
                scales[o] = max > 0 ? max / 127 : 1f;
                for (int i = 0; i < per; i++) {
                    codes[o * per + i] = (float) Math.max(-127, Math.min(127, Math.rint(w[o * per + i] / scales[o])));
                }
            }
            return new Quantized(codes, scales);
        }
    }

    /**
     * A grouped convolution over integer codes (NCHW), accumulated exactly, then
     * {@code act(acc · sIn · sW[o] + bias[o])} in double; cap NaN: no activation.
     */
    static double[] convReal(float[] in, int c, int h, int w, Quantized q, float[] bias, int out, int k, int stride,
            int pad, int groups, float sIn, float cap) {
        int oh = (h + 2 * pad - k) / stride + 1;
        int ow = (w + 2 * pad - k) / stride + 1;
        int cinG = c / groups;
        int coutG = out / groups;
        double[] y = new double[out * oh * ow];
        for (int o = 0; o < out; o++) {
            int g = o / coutG;
            for (int yy = 0; yy < oh; yy++) {
                for (int xx = 0; xx < ow; xx++) {
                    long acc = 0;
                    for (int ci = 0; ci < cinG; ci++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = yy * stride - pad + ky;
                                int ix = xx * stride - pad + kx;
                                if (iy < 0 || ix < 0 || iy >= h || ix >= w) {
                                    continue;
                                }
                                long a = (long) in[((g * cinG + ci) * h + iy) * w + ix];
                                long b = (long) q.codes()[((o * cinG + ci) * k + ky) * k + kx];
                                acc += a * b;
                            }
                        }
                    }
                    double v = acc * ((double) sIn * q.scales()[o]) + bias[o];
                    y[(o * oh + yy) * ow + xx] = act(v, cap);
                }
            }
        }
        return y;
    }

    static double act(double v, float cap) {
        if (Float.isNaN(cap)) {
            return v;
        }
        return Math.min(Math.max(v, 0), cap);
    }

    /** u8 codes of {@code real} at scale {@code s}: rint, saturated to 0..255. */
    static float[] toU8(double[] real, float s) {
        float[] codes = new float[real.length];
        for (int i = 0; i < real.length; i++) {
            codes[i] = (float) Math.max(0, Math.min(255, Math.rint(real[i] / s)));
        }
        return codes;
    }

    static boolean nearTie(double real, float s) {
        double f = real / s - Math.floor(real / s);
        return Math.abs(f - 0.5) < 1e-4;
    }

    // ---------------------------------------------------------------- building networks

    /** Layer parameters for the store: weights codes or floats, scales (null for float layers), bias. */
    record Params(long[] shape, float[] weights, float[] scales, float[] bias) {
    }

    /** A 1x1 convolution passing C channels unchanged: code 127 on the diagonal, scale 1/127, bias 0. */
    static Params identity(int c) {
        float[] w = new float[c * c];
        for (int i = 0; i < c; i++) {
            w[i * c + i] = 127;
        }
        float[] s = new float[c];
        Arrays.fill(s, 1f / 127);
        return new Params(new long[] {c, c, 1, 1}, w, s, new float[c]);
    }

    static TestNetQ compile(List<Layer> layers, List<Params> params, Shape input, float[] scales, List<DType> types) {
        ParameterStore store = new ParameterStore(engine);
        try {
            for (int i = 0; i < layers.size(); i++) {
                Params p = params.get(i);
                if (p == null) {
                    continue;
                }
                boolean int8 = types.get(i) == DType.I8;
                MemorySegment w = store.allocateWeights(i, p.shape(), int8 ? DType.I8 : DType.F32);
                for (int j = 0; j < p.weights().length; j++) {
                    if (int8) {
                        w.set(ValueLayout.JAVA_BYTE, j, (byte) p.weights()[j]);
                    } else {
                        w.setAtIndex(ValueLayout.JAVA_FLOAT, j, p.weights()[j]);
                    }
                }
                if (int8) {
                    MemorySegment.copy(p.scales(), 0, store.allocateWeightScales(i, p.scales().length),
                            ValueLayout.JAVA_FLOAT, 0, p.scales().length);
                }
                MemorySegment.copy(p.bias(), 0, store.allocateBias(i, p.bias().length), ValueLayout.JAVA_FLOAT, 0,
                        p.bias().length);
            }
            Network network = Network.compile(engine, layers, store, input, PixelLayout.CHW, PixelLayout.CHW,
                    new ComputePlan(types, scales, DType.F32), 1);
            Workspace workspace = new Workspace();
            return new TestNetQ(store, network, workspace, new Execution(network, workspace));
        } catch (RuntimeException | Error e) {
            store.close();
            throw e;
        }
    }

    record TestNetQ(ParameterStore store, Network network, Workspace workspace, Execution execution)
            implements AutoCloseable {
        float[] run(float[] input) {
            float[] out = new float[(int) (network.outputBytes() / Float.BYTES)];
            execution.run(input, out);
            return out;
        }

        @Override
        public void close() {
            execution.close();
            workspace.close();
            network.close();
            store.close();
        }
    }

    private static float[] codes(SplittableRandom r, int n, int lo, int hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + r.nextInt(hi - lo + 1);
        }
        return v;
    }

    private static float[] scaled(float[] codes, float s) {
        float[] v = new float[codes.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = codes[i] * s;
        }
        return v;
    }

    private static void assertCloseTo(double[] want, float[] got, String what) {
        double max = 0;
        for (double v : want) {
            max = Math.max(max, Math.abs(v));
        }
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(max > 0, what + ": reference all zero");
        assertTrue(err <= 1e-5 * max, what + ": max error " + err + " > 1e-5 x " + max);
    }

    // ---------------------------------------------------------------- the layer kinds

    /** The first convolution: s8 input quantized by the input reorder, 3x3 stride 2, float output. */
    @Test
    void firstConvolutionFromSignedInput() {
        SplittableRandom r = new SplittableRandom(1);
        int c = 3, h = 17, w = 15, out = 16;
        float s0 = 0.037f;
        float[] inCodes = codes(r, c * h * w, -127, 127);
        Quantized q = Quantized.of(Naive.random(r, out * c * 9, 0.4), out);
        float[] bias = Naive.random(r, out, 0.3);
        Conv2d conv = Conv2d.builder(c, out).kernel(3).stride(2).padding(1).bias().relu().build();
        double[] want = convReal(inCodes, c, h, w, q, bias, out, 3, 2, 1, 1, s0, Float.POSITIVE_INFINITY);
        try (TestNetQ net = compile(List.of(conv), List.of(new Params(conv.weightShape(), q.codes(), q.scales(), bias)),
                Shape.of(1, c, h, w), new float[] {s0, Float.NaN}, List.of(DType.I8))) {
            assertCloseTo(want, net.run(scaled(inCodes, s0)), "first conv s8 -> f32");
        }
    }

    /** Depthwise 3x3 and pointwise 1x1 reading u8 codes (through the identity layer), float output. */
    @Test
    void depthwiseAndPointwiseFromUnsignedCodes() {
        SplittableRandom r = new SplittableRandom(2);
        int c = 24, h = 9, w = 11, out = 40;
        float[] uCodes = codes(r, c * h * w, 0, 127); // through the identity: the s8 input is non-negative
        for (boolean depthwise : new boolean[] {true, false}) {
            int o = depthwise ? c : out;
            int k = depthwise ? 3 : 1;
            int groups = depthwise ? c : 1;
            Quantized q = Quantized.of(Naive.random(r, o * (c / groups) * k * k, 0.5), o);
            float[] bias = Naive.random(r, o, 0.2);
            float sU = 0.021f; // the scale of the u8 tensor between the two layers
            Conv2d layer = (depthwise ? Conv2d.depthwise(c, 3).padding(1).stride(2) : Conv2d.pointwise(c, out)).bias().relu(6)
                    .build();
            double[] want = convReal(uCodes, c, h, w, q, bias, o, k, depthwise ? 2 : 1, depthwise ? 1 : 0, groups, sU, 6f);
            Params id = identity(c);
            List<Layer> layers = List.of(Conv2d.pointwise(c, c).bias().relu().build(), layer);
            try (TestNetQ net = compile(layers, List.of(id, new Params(layer.weightShape(), q.codes(), q.scales(), bias)),
                    Shape.of(1, c, h, w), new float[] {sU, sU, Float.NaN}, List.of(DType.I8, DType.I8))) {
                assertCloseTo(want, net.run(scaled(uCodes, sU)), (depthwise ? "depthwise" : "pointwise") + " u8 -> f32");
            }
        }
    }

    /**
     * u8 output codes: a pointwise layer writing u8 (ReLU6 capped) read back exactly through a 1x1
     * spatial pool and an identity classifier. Codes equal the reference's, or differ by one at a
     * rounding tie.
     */
    @Test
    void requantizedOutputCodesMatchToTheRoundingTie() {
        SplittableRandom r = new SplittableRandom(3);
        int c = 32, out = 48;
        float sIn = 0.05f;
        float sOut = 6f / 255; // ReLU6: the full u8 range covers 0..6
        float[] uCodes = codes(r, c, 0, 127);
        Quantized q = Quantized.of(Naive.random(r, out * c, 1.0), out);
        float[] bias = Naive.random(r, out, 2.0); // some outputs below 0 and above 6: both ends saturate
        Conv2d pw = Conv2d.pointwise(c, out).bias().relu(6).build();
        double[] real = convReal(uCodes, c, 1, 1, q, bias, out, 1, 1, 0, 1, sIn, 6f);
        float[] want = toU8(real, sOut);
        float[] fcW = new float[out * out];
        float[] fcS = new float[out];
        for (int i = 0; i < out; i++) {
            fcW[i * out + i] = 127;
            fcS[i] = 1f / 127;
        }
        List<Layer> layers = List.of(Conv2d.pointwise(c, c).bias().relu().build(), pw, new GlobalAvgPool(),
                new Linear(out, out, true));
        List<Params> params = Arrays.asList(identity(c), new Params(pw.weightShape(), q.codes(), q.scales(), bias), null,
                new Params(new long[] {out, out}, fcW, fcS, new float[out]));
        try (TestNetQ net = compile(layers, params, Shape.of(1, c, 1, 1), new float[] {sIn, sIn, sOut, sOut, Float.NaN},
                List.of(DType.I8, DType.I8, DType.I8, DType.I8))) {
            float[] logits = net.run(scaled(uCodes, sIn));
            int exact = 0;
            int saturated = 0;
            for (int i = 0; i < out; i++) {
                float code = (float) Math.rint(logits[i] / sOut);
                assertEquals(code * sOut, logits[i], 1e-5f * Math.max(1, Math.abs(logits[i])), "output " + i + " is a code");
                if (code == want[i]) {
                    exact++;
                } else {
                    assertTrue(Math.abs(code - want[i]) == 1 && nearTie(real[i], sOut),
                            "output " + i + ": code " + code + ", reference " + want[i] + " (real " + real[i] + ")");
                }
                saturated += want[i] == 0 || want[i] == 255 ? 1 : 0;
            }
            assertTrue(saturated > 0 && saturated < out, "both saturation ends exercised: " + saturated);
            assertTrue(exact >= out - 1, exact + " of " + out + " codes exact");
        }
    }

    /** The pooling averages u8 codes into u8 codes of the same scale: the mean, rounded; one code off only at ties. */
    @Test
    void poolingAveragesCodes() {
        SplittableRandom r = new SplittableRandom(4);
        int c = 16, h = 7, w = 5;
        float s = 0.03f;
        float[] uCodes = codes(r, c * h * w, 0, 127);
        float[] fcW = new float[c * c];
        float[] fcS = new float[c];
        for (int i = 0; i < c; i++) {
            fcW[i * c + i] = 127;
            fcS[i] = 1f / 127;
        }
        List<Layer> layers = List.of(Conv2d.pointwise(c, c).bias().relu().build(), new GlobalAvgPool(), new Linear(c, c, true));
        try (TestNetQ net = compile(layers, Arrays.asList(identity(c), null, new Params(new long[] {c, c}, fcW, fcS,
                new float[c])), Shape.of(1, c, h, w), new float[] {s, s, s, Float.NaN},
                List.of(DType.I8, DType.I8, DType.I8))) {
            float[] logits = net.run(scaled(uCodes, s));
            for (int ch = 0; ch < c; ch++) {
                long sum = 0;
                for (int i = 0; i < h * w; i++) {
                    sum += (long) uCodes[ch * h * w + i];
                }
                double mean = (double) sum / (h * w);
                float code = (float) Math.rint(logits[ch] / s);
                boolean tie = Math.abs(mean - Math.floor(mean) - 0.5) < 1e-9;
                assertTrue(code == Math.rint(mean) || tie && Math.abs(code - mean) == 0.5,
                        "channel " + ch + ": code " + code + ", mean " + mean);
            }
        }
    }

    /** The classifier reading u8 (from the pool) and writing float logits. */
    @Test
    void classifierFromUnsignedCodes() {
        SplittableRandom r = new SplittableRandom(5);
        int c = 64, classes = 10;
        float s = 0.04f;
        float[] uCodes = codes(r, c, 0, 127);
        Quantized q = Quantized.of(Naive.random(r, classes * c, 0.3), classes);
        float[] bias = Naive.random(r, classes, 0.5);
        double[] want = new double[classes];
        for (int o = 0; o < classes; o++) {
            long acc = 0;
            for (int i = 0; i < c; i++) {
                acc += (long) uCodes[i] * (long) q.codes()[o * c + i];
            }
            want[o] = acc * ((double) s * q.scales()[o]) + bias[o];
        }
        List<Layer> layers = List.of(Conv2d.pointwise(c, c).bias().relu().build(), new GlobalAvgPool(),
                new Linear(c, classes, true));
        try (TestNetQ net = compile(layers, Arrays.asList(identity(c), null, new Params(new long[] {classes, c}, q.codes(),
                q.scales(), bias)), Shape.of(1, c, 1, 1), new float[] {s, s, s, Float.NaN},
                List.of(DType.I8, DType.I8, DType.I8))) {
            assertCloseTo(want, net.run(scaled(uCodes, s)), "classifier u8 -> f32");
        }
    }

    /** A float layer between 8-bit ones: its output is quantized by a reorder with the next tensor's scale. */
    @Test
    void floatLayerBetweenEightBitOnes() {
        SplittableRandom r = new SplittableRandom(6);
        int c = 8, h = 6, w = 6;
        float s = 0.02f;
        float[] uCodes = codes(r, c * h * w, 0, 100);
        float[] dwFloat = Naive.random(r, c * 9, 0.3);
        float[] dwBias = Naive.random(r, c, 0.1);
        // identity (I8) -> depthwise in F32 (reads dequantized u8, writes float, quantized for the next) -> identity (I8)
        Conv2d dw = Conv2d.depthwise(c, 3).padding(1).bias().relu().build();
        List<Layer> layers = List.of(Conv2d.pointwise(c, c).bias().relu().build(), dw, Conv2d.pointwise(c, c).bias().relu()
                .build());
        float sMid = 0.015f;
        Params id = identity(c);
        try (TestNetQ net = compile(layers, List.of(id, new Params(dw.weightShape(), dwFloat, null, dwBias), id),
                Shape.of(1, c, h, w), new float[] {s, s, sMid, Float.NaN}, List.of(DType.I8, DType.F32, DType.I8))) {
            float[] got = net.run(scaled(uCodes, s));
            float[] x = scaled(uCodes, s);
            float[] dwOut = Naive.activate(Naive.conv2d(x, 1, c, h, w, dwFloat, dwBias, c, 3, 3, 1, 1, 1, 1, 1, c),
                    Float.POSITIVE_INFINITY);
            int off = 0;
            for (int i = 0; i < got.length; i++) {
                double code = dwOut[i] / sMid;
                double want = Math.min(255, Math.rint(code)) * sMid;
                if (Math.abs(got[i] - want) > 1e-5) {
                    assertTrue(Math.abs(got[i] - want) <= sMid * 1.001 && Math.abs(code - Math.floor(code) - 0.5) < 1e-3,
                            "value " + i + ": " + got[i] + " vs " + want);
                    off++;
                }
            }
            assertTrue(off <= got.length / 100, off + " of " + got.length + " values one code off");
        }
    }

    @Test
    void plansAreChecked() {
        List<DType> two = new ArrayList<>(List.of(DType.I8, DType.F32));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ComputePlan(two, new float[2], DType.F32));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ComputePlan(List.of(DType.U8), new float[2], DType.F32));
    }
}
