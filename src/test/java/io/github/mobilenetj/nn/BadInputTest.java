package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.PostOps;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Wrong input is refused with an exception whose message names the problem, before oneDNN is
 * involved. Most checks run without any Engine; where an engine parameter is needed, a closed one
 * is passed, so reaching native code would fail differently (IllegalStateException).
 */
@Tag("arm64")
class BadInputTest {

    private static Engine engine;
    private static Engine closedEngine;

    @BeforeAll
    static void createEngines() {
        engine = Engine.cpu();
        closedEngine = Engine.cpu();
        closedEngine.close();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    private static String iae(Executable e, String... fragments) {
        return expect(IllegalArgumentException.class, e, fragments);
    }

    private static String npe(Executable e, String... fragments) {
        return expect(NullPointerException.class, e, fragments);
    }

    private static <T extends Throwable> String expect(Class<T> type, Executable e, String... fragments) {
        T t = assertThrows(type, e);
        String m = t.getMessage();
        assertNotNull(m, type.getSimpleName() + " without a message");
        for (String f : fragments) {
            assertTrue(m.contains(f), "message lacks \"" + f + "\": " + m);
        }
        return m;
    }

    private static Conv2d conv3x3(int in, int out) {
        return Conv2d.builder(in, out).kernel(3).padding(1).build();
    }

    private static Network compile(Engine e, List<Layer> layers, Shape input, PixelLayout layout) {
        try (ParameterStore store = new ParameterStore(e)) {
            return Network.compile(e, layers, store, input, layout, layout, DType.F32, 1);
        }
    }

    // ---------------------------------------------------------------- shapes

    @Test
    void channelMismatchNamesExpectedAndActual() {
        Conv2d conv = conv3x3(3, 8);
        iae(() -> conv.outputShape(Shape.of(1, 4, 8, 8)), "expects 3 input channels", "[1, 4, 8, 8]");

        Conv2d dw = Conv2d.depthwise(16, 3).padding(1).build();
        List<Layer> net = List.of(conv, dw);
        // The second layer gets 8 channels but wants 16; the layer is named.
        iae(() -> Network.outputShape(net, Shape.of(1, 3, 8, 8)), "layer 1", "Conv2d dw", "expects 16", "[1, 8, 8, 8]");
        iae(() -> compile(closedEngine, net, Shape.of(1, 4, 8, 8), PixelLayout.CHW),
                "layer 0", "expects 3 input channels", "[1, 4, 8, 8]");
        iae(() -> compile(closedEngine, net, Shape.of(1, 3, 8, 8), PixelLayout.HWC), "layer 1", "expects 16");
    }

    @Test
    void linearFeatureMismatch() {
        Linear fc = new Linear(10, 4, false);
        iae(() -> fc.outputShape(Shape.of(2, 3, 2, 2)), "expects 10 input features", "[2, 3, 2, 2]", "12 features");
        iae(() -> compile(closedEngine, List.of(fc), Shape.of(2, 12, 1, 1), PixelLayout.CHW),
                "layer 0", "Linear", "expects 10", "12 features");
    }

    @Test
    void kernelBiggerThanPaddedInput() {
        Conv2d five = Conv2d.builder(1, 1).kernel(5).build();
        iae(() -> five.outputShape(Shape.of(1, 1, 3, 3)), "kernel 5x5", "3x3");
        iae(() -> compile(closedEngine, List.of(five), Shape.of(1, 1, 4, 9), PixelLayout.CHW), "kernel 5x5", "4x9");
        Conv2d fivePadded = Conv2d.builder(1, 1).kernel(5).padding(1).build();
        assertEquals(Shape.of(1, 1, 1, 1), fivePadded.outputShape(Shape.of(1, 1, 3, 3)), "3 + 2 = 5 just fits");
        iae(() -> fivePadded.outputShape(Shape.of(1, 1, 2, 3)), "kernel 5x5", "2x3");
        Conv2d wide = Conv2d.builder(1, 1).kernel(1, 7).build();
        iae(() -> wide.outputShape(Shape.of(1, 1, 9, 6)), "kernel 1x7", "9x6");
    }

    @Test
    void zeroAndNegativeSizes() {
        iae(() -> Shape.of(0, 3, 4, 4), "positive", "[0, 3, 4, 4]");
        iae(() -> Shape.of(1, -3, 4, 4), "positive", "[1, -3, 4, 4]");
        iae(() -> new Shape(1, 3, 0, 4), "positive", "[1, 3, 0, 4]");
        iae(() -> new Shape(1, 3, 4, -1), "positive", "[1, 3, 4, -1]");
        iae(() -> Shape.of(1, 3, 4, 4).withBatch(0), "positive");

        iae(() -> Conv2d.builder(1, 1).kernel(0).build(), "kernel height", "0");
        iae(() -> Conv2d.builder(1, 1).kernel(3, -1).build(), "kernel width", "-1");
        iae(() -> Conv2d.builder(1, 1).stride(0).build(), "stride height", "0");
        iae(() -> Conv2d.builder(1, 1).stride(1, -2).build(), "stride width", "-2");
        iae(() -> Conv2d.builder(1, 1).padding(-1).build(), "padding", "-1");
        iae(() -> Conv2d.builder(1, 1).padding(0, 0, 0, -2).build(), "padding", "right -2");
        iae(() -> Conv2d.builder(0, 1).build(), "inChannels", "0");
        iae(() -> Conv2d.builder(1, -4).build(), "outChannels", "-4");
        iae(() -> Conv2d.depthwise(0, 3).build(), "inChannels", "0");
        iae(() -> Conv2d.builder(1, 1).groups(0).build(), "groups", "0");
        iae(() -> Conv2d.builder(1, 1).relu(0f), "ReLU cap", "0.0");
        iae(() -> Conv2d.builder(1, 1).relu(Float.NaN), "ReLU cap");
        iae(() -> new Linear(0, 4, false), "positive", "in 0");
        iae(() -> new Linear(4, -1, true), "positive", "out -1");
        // Rejected before the native library is even needed.
        iae(() -> MemoryDesc.of(new long[] {1, 0, 2, 2}, DType.F32, FormatTag.NCHW), "positive", "[1, 0, 2, 2]");
        iae(() -> MemoryDesc.of(new long[] {2, 2}, DType.F32, FormatTag.NCHW), "NCHW", "4", "2");
        iae(() -> MemoryDesc.of(new long[0], DType.F32, FormatTag.ANY), "rank 0");
    }

    @Test
    void groupsMustDivideChannels() {
        iae(() -> Conv2d.builder(6, 6).groups(4).build(), "groups (4)", "input channels (6)", "output channels (6)");
        iae(() -> Conv2d.builder(4, 6).groups(4).build(), "groups (4)", "input channels (4)", "output channels (6)");
        iae(() -> Conv2d.builder(8, 6).groups(4).build(), "groups (4)");
    }

    @Test
    void weightShapesFollowPyTorch() {
        assertEquals(List.of(4L, 3L, 3L, 3L), asList(Conv2d.builder(3, 4).kernel(3).build().weightShape()));
        assertEquals(List.of(8L, 1L, 3L, 3L), asList(Conv2d.depthwise(8, 3).build().weightShape()));
        assertEquals(List.of(8L, 4L, 3L, 3L), asList(Conv2d.builder(8, 8).groups(2).build().weightShape()));
        assertEquals(List.of(4L, 10L), asList(new Linear(10, 4, true).weightShape()));
    }

    private static List<Long> asList(long[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    /** A layer whose parameters were never put in the store is refused when compiling, naming the layer. */
    @Test
    void compilingWithoutParametersIsRefused() {
        try (ParameterStore store = new ParameterStore(engine)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Network.compile(engine,
                    List.of(conv3x3(2, 3)), store, Shape.of(1, 2, 4, 4), PixelLayout.CHW, PixelLayout.CHW, DType.F32, 1));
            assertTrue(e.getMessage().contains("layer 0"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- nulls

    @Test
    void nullArgumentsAreNamed() {
        npe(() -> conv3x3(1, 1).outputShape(null), "input");
        float[] v = {1f};
        npe(() -> new BatchNorm(null, v, v, v, 1e-5), "gamma");
        npe(() -> new BatchNorm(v, null, v, v, 1e-5), "beta");
        npe(() -> new BatchNorm(v, v, null, v, 1e-5), "mean");
        npe(() -> new BatchNorm(v, v, v, null, 1e-5), "variance");
        List<Layer> net = List.of(conv3x3(1, 1));
        npe(() -> Network.outputShape(net, null), "input");
        npe(() -> Network.outputShape(Arrays.asList(conv3x3(1, 1), null), Shape.of(1, 1, 3, 3)), "layer 1");
        try (ParameterStore store = new ParameterStore(closedEngine)) {
            Shape s = Shape.of(1, 1, 3, 3);
            PixelLayout l = PixelLayout.CHW;
            npe(() -> Network.compile(null, net, store, s, l, l, DType.F32, 1), "engine");
            npe(() -> Network.compile(closedEngine, net, null, s, l, l, DType.F32, 1), "store");
            npe(() -> Network.compile(closedEngine, net, store, s, null, l, DType.F32, 1), "inputLayout");
            npe(() -> Network.compile(closedEngine, net, store, s, l, null, DType.F32, 1), "outputLayout");
            npe(() -> Network.compile(closedEngine, net, store, s, l, l, (DType) null, 1), "computeType");
            npe(() -> Network.compile(closedEngine, net, store, null, l, l, DType.F32, 1), "input");
        }
    }

    // ---------------------------------------------------------------- BatchNorm

    @Test
    void batchNormVectorsOfUnequalLength() {
        float[] three = {1, 1, 1};
        float[] two = {1, 1};
        iae(() -> new BatchNorm(three, two, three, three, 1e-5), "equal length", "gamma 3", "beta 2");
        iae(() -> new BatchNorm(three, three, two, three, 1e-5), "equal length", "mean 2");
        iae(() -> new BatchNorm(three, three, three, two, 1e-5), "equal length", "variance 2");
        iae(() -> new BatchNorm(two, three, three, three, 1e-5), "equal length", "gamma 2");
    }

    @Test
    void varianceAndEpsilonMustBePositive() {
        float[] ones = {1, 1, 1};
        iae(() -> new BatchNorm(ones, ones, ones, new float[] {1, -0.5f, 1}, 0.25), "channel 1", "variance + epsilon");
        iae(() -> new BatchNorm(ones, ones, ones, new float[] {0, 1, 1}, 0.0), "channel 0", "variance + epsilon");
        iae(() -> new BatchNorm(ones, ones, ones, new float[] {1, 1, -1e-3f}, 1e-3), "channel 2", "variance + epsilon");
        iae(() -> new BatchNorm(ones, ones, ones, new float[] {1, Float.NaN, 1}, 1e-5), "channel 1");
        iae(() -> new BatchNorm(ones, ones, ones, ones, -1e-5), "epsilon");
        iae(() -> new BatchNorm(ones, ones, ones, ones, Double.NaN), "epsilon");
        iae(() -> new BatchNorm(ones, ones, ones, ones, Double.POSITIVE_INFINITY), "epsilon");
        // Zero variance is fine as long as epsilon is positive.
        assertEquals(3, new BatchNorm(ones, ones, ones, new float[3], 1e-5).channels());
    }

    @Test
    void batchNormValidationCannotBeBypassedByEditingTheArraysLater() {
        float[] variance = {1f};
        BatchNorm bn = new BatchNorm(new float[] {1f}, new float[] {0f}, new float[] {0f}, variance, 1e-5);
        variance[0] = -1f; // would have been refused by the constructor
        float[] w = {1f};
        bn.foldInto(MemorySegment.ofArray(w), MemorySegment.ofArray(new float[1]));
        assertEquals((float) (1 / Math.sqrt(1 + 1e-5)), w[0], 1e-7f);
    }

    @Test
    void batchNormOfTheWrongWidthCannotBeFolded() {
        BatchNorm bn = new BatchNorm(new float[] {1, 1}, new float[2], new float[2], new float[] {1, 1}, 1e-5);
        iae(() -> bn.foldInto(MemorySegment.ofArray(new float[9]), MemorySegment.ofArray(new float[3])), "2 float32 filters");
    }

    // ---------------------------------------------------------------- compile options

    @Test
    void compileOptions() {
        try (ParameterStore store = new ParameterStore(closedEngine)) {
            iae(() -> Network.compile(closedEngine, List.of(conv3x3(1, 1)), store, Shape.of(1, 1, 3, 3), PixelLayout.CHW,
                    PixelLayout.CHW, DType.I8, 1), "F32 or BF16", "I8");
            iae(() -> Network.compile(closedEngine, List.of(), store, Shape.of(1, 1, 3, 3), PixelLayout.CHW,
                    PixelLayout.CHW, DType.F32, 1), "at least one layer");
            iae(() -> Network.compile(closedEngine, List.of(conv3x3(1, 1)), store, Shape.of(1, 1, 3, 3), PixelLayout.CHW,
                    PixelLayout.CHW, DType.F32, -1), "threads", "-1");
        }
    }

    // ---------------------------------------------------------------- running

    @Test
    void executionRefusesWrongBuffersAndKeepsWorking() {
        int cin = 2, cout = 3, h = 4, w = 4;
        SplittableRandom r = new SplittableRandom(5);
        float[] weights = Naive.random(r, cout * cin * 9, 1.0);
        float[] x = Naive.random(r, cin * h * w, 1.0);
        Conv2d conv = Conv2d.builder(cin, cout).kernel(3).padding(1).build();
        float[] want = Naive.conv2d(x, 1, cin, h, w, weights, null, cout, 3, 3, 1, 1, 1, 1, 1, 1);
        Shape in = Shape.of(1, cin, h, w);
        try (Arena arena = Arena.ofConfined();
                TestNet net = TestNet.compile(engine, List.of(conv), Arrays.asList(weights), Arrays.asList((float[]) null), in,
                        PixelLayout.CHW, PixelLayout.CHW, DType.F32, 1)) {
            Execution exec = net.execution;
            int inFloats = cin * h * w, outFloats = cout * h * w;

            // float[] of the wrong size
            iae(() -> exec.run(new float[inFloats - 1], new float[outFloats]), "input", (inFloats - 1) * 4 + " bytes",
                    inFloats * 4 + "", inFloats + " floats");
            iae(() -> exec.run(new float[inFloats], new float[outFloats + 1]), "output", (outFloats + 1) * 4 + " bytes",
                    outFloats * 4 + "");
            npe(() -> exec.run((float[]) null, new float[outFloats]), "input");
            npe(() -> exec.run(new float[inFloats], (float[]) null), "output");

            // MemorySegment of the wrong size
            MemorySegment goodIn = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment goodOut = arena.allocate((long) outFloats * 4, 64);
            iae(() -> exec.run(arena.allocate(inFloats * 4L + 4), goodOut), "input", (inFloats * 4 + 4) + " bytes");
            iae(() -> exec.run(goodIn, arena.allocate(outFloats * 4L - 4)), "output", (outFloats * 4 - 4) + " bytes");
            npe(() -> exec.run((MemorySegment) null, goodOut), "input");
            npe(() -> exec.run(goodIn, (MemorySegment) null), "output");

            // A read-only output cannot be written.
            iae(() -> exec.run(goodIn, goodOut.asReadOnly()), "output", "read-only");

            // None of that left the execution unusable.
            float[] got = new float[outFloats];
            exec.run(x, got);
            assertClose(want, got);
            exec.run(goodIn, goodOut);
            assertClose(want, goodOut.toArray(ValueLayout.JAVA_FLOAT));
            // Heap segments (where oneDNN cannot work in place) go through the execution's own buffers.
            float[] heapOut = new float[outFloats];
            exec.run(MemorySegment.ofArray(x.clone()), MemorySegment.ofArray(heapOut));
            assertClose(want, heapOut);
            MemorySegment nativeOut = arena.allocate((long) outFloats * 4, 64);
            exec.run(MemorySegment.ofArray(x.clone()), nativeOut);
            assertClose(want, nativeOut.toArray(ValueLayout.JAVA_FLOAT));
            float[] heapOut2 = new float[outFloats];
            exec.run(goodIn, MemorySegment.ofArray(heapOut2));
            assertClose(want, heapOut2);
        }
    }

    private static void assertClose(float[] want, float[] got) {
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
        float error = Naive.maxAbsDiff(want, got);
        assertTrue(error <= tolerance, "max abs error " + error + " > " + tolerance);
    }

    @Test
    void nativeBuffersForMemory() {
        try (Arena arena = Arena.ofConfined();
                MemoryDesc desc = MemoryDesc.of(new long[] {1, 2, 3, 4}, DType.F32, FormatTag.NCHW)) {
            iae(() -> new Memory(engine, desc, MemorySegment.ofArray(new float[24])), "native segment");
            iae(() -> new Memory(engine, desc, arena.allocate(95)), "95 bytes", "too small");
            npe(() -> new Memory(engine, desc, null), "buffer");
            // A closed engine is never reached: the buffer is checked first.
            iae(() -> new Memory(closedEngine, desc, MemorySegment.ofArray(new float[24])), "native segment");
            try (Memory m = new Memory(engine, desc, arena.allocate(96, 64))) {
                iae(() -> m.attach(MemorySegment.ofArray(new float[24])), "native segment");
                iae(() -> m.attach(arena.allocate(92)), "too small");
            }
        }
        try (PostOps p = new PostOps()) {
            iae(() -> p.clip(6f, 0f), "lower <= upper");
            iae(() -> p.clip(Float.NaN, 6f), "lower <= upper");
        }
    }
}
