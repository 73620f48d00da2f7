package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.PostOps;
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
        return Conv2d.builder(in, out).kernel(3).padding(1).weights(new float[out * in * 9]).build();
    }

    // ---------------------------------------------------------------- shapes

    @Test
    void channelMismatchNamesExpectedAndActual() {
        Conv2d conv = conv3x3(3, 8);
        iae(() -> conv.outputShape(Shape.of(1, 4, 8, 8)), "expects 3 input channels", "[1, 4, 8, 8]");

        Conv2d dw = Conv2d.depthwise(16, 3).padding(1).weights(new float[16 * 9]).build();
        Sequential net = Sequential.of(conv, dw);
        // The second layer gets 8 channels but wants 16; the layer is named.
        iae(() -> net.outputShape(Shape.of(1, 3, 8, 8)), "layer 1", "Conv2d dw", "expects 16", "[1, 8, 8, 8]");
        iae(() -> net.compile(closedEngine, Shape.of(1, 4, 8, 8), Layout.NCHW, Layout.NCHW),
                "layer 0", "expects 3 input channels", "[1, 4, 8, 8]");
        iae(() -> net.compile(closedEngine, Shape.of(1, 3, 8, 8), Layout.NHWC, Layout.NHWC), "layer 1", "expects 16");
    }

    @Test
    void linearFeatureMismatch() {
        Linear fc = new Linear(10, 4, new float[40], null);
        iae(() -> fc.outputShape(Shape.of(2, 3, 2, 2)), "expects 10 input features", "[2, 3, 2, 2]", "12 features");
        iae(() -> Sequential.of(fc).compile(closedEngine, Shape.of(2, 12, 1, 1), Layout.NCHW, Layout.NCHW),
                "layer 0", "Linear", "expects 10", "12 features");
    }

    @Test
    void softmaxNeedsClassVector() {
        iae(() -> new Softmax().outputShape(Shape.of(1, 10, 2, 1)), "Softmax", "[1, 10, 2, 1]");
        iae(() -> Sequential.of(new Softmax()).compile(closedEngine, Shape.of(1, 10, 3, 3), Layout.NCHW, Layout.NCHW),
                "Softmax", "[1, 10, 3, 3]");
    }

    @Test
    void kernelBiggerThanPaddedInput() {
        Conv2d five = Conv2d.builder(1, 1).kernel(5).weights(new float[25]).build();
        iae(() -> five.outputShape(Shape.of(1, 1, 3, 3)), "kernel 5x5", "3x3");
        iae(() -> Sequential.of(five).compile(closedEngine, Shape.of(1, 1, 4, 9), Layout.NCHW, Layout.NCHW),
                "kernel 5x5", "4x9");
        Conv2d fivePadded = Conv2d.builder(1, 1).kernel(5).padding(1).weights(new float[25]).build();
        assertEquals(Shape.of(1, 1, 1, 1), fivePadded.outputShape(Shape.of(1, 1, 3, 3)), "3 + 2 = 5 just fits");
        iae(() -> fivePadded.outputShape(Shape.of(1, 1, 2, 3)), "kernel 5x5", "2x3");
        Conv2d wide = Conv2d.builder(1, 1).kernel(1, 7).weights(new float[7]).build();
        iae(() -> wide.outputShape(Shape.of(1, 1, 9, 6)), "kernel 1x7", "9x6");
    }

    @Test
    void zeroAndNegativeSizes() {
        iae(() -> Shape.of(0, 3, 4, 4), "positive", "[0, 3, 4, 4]");
        iae(() -> Shape.of(1, -3, 4, 4), "positive", "[1, -3, 4, 4]");
        iae(() -> new Shape(1, 3, 0, 4), "positive", "[1, 3, 0, 4]");
        iae(() -> new Shape(1, 3, 4, -1), "positive", "[1, 3, 4, -1]");
        iae(() -> Shape.of(1, 3, 4, 4).withBatch(0), "positive");

        float[] w = new float[9];
        iae(() -> Conv2d.builder(1, 1).kernel(0).weights(w).build(), "kernel height", "0");
        iae(() -> Conv2d.builder(1, 1).kernel(3, -1).weights(w).build(), "kernel width", "-1");
        iae(() -> Conv2d.builder(1, 1).stride(0).weights(w).build(), "stride height", "0");
        iae(() -> Conv2d.builder(1, 1).stride(1, -2).weights(w).build(), "stride width", "-2");
        iae(() -> Conv2d.builder(1, 1).padding(-1).weights(w).build(), "padding", "-1");
        iae(() -> Conv2d.builder(1, 1).padding(0, 0, 0, -2).weights(w).build(), "padding", "right -2");
        iae(() -> Conv2d.builder(0, 1).weights(w).build(), "inChannels", "0");
        iae(() -> Conv2d.builder(1, -4).weights(w).build(), "outChannels", "-4");
        iae(() -> Conv2d.depthwise(0, 3).weights(w).build(), "inChannels", "0");
        iae(() -> Conv2d.builder(1, 1).groups(0).weights(w).build(), "groups", "0");
        iae(() -> new Linear(0, 4, new float[0], null), "positive", "in 0");
        iae(() -> new Linear(4, -1, new float[4], null), "positive", "out -1");
        // Rejected before the native library is even needed.
        iae(() -> MemoryDesc.of(new long[] {1, 0, 2, 2}, DataType.F32, FormatTag.NCHW), "positive", "[1, 0, 2, 2]");
        iae(() -> MemoryDesc.of(new long[] {2, 2}, DataType.F32, FormatTag.NCHW), "NCHW", "4", "2");
        iae(() -> MemoryDesc.of(new long[0], DataType.F32, FormatTag.ANY), "rank 0");
    }

    @Test
    void groupsMustDivideChannels() {
        iae(() -> Conv2d.builder(6, 6).groups(4).weights(new float[6 * 9]).build(),
                "groups (4)", "input channels (6)", "output channels (6)");
        iae(() -> Conv2d.builder(4, 6).groups(4).weights(new float[6 * 9]).build(),
                "groups (4)", "input channels (4)", "output channels (6)");
        iae(() -> Conv2d.builder(8, 6).groups(4).weights(new float[6 * 2 * 9]).build(), "groups (4)");
    }

    @Test
    void weightsOfTheWrongLength() {
        iae(() -> Conv2d.builder(3, 4).kernel(3).weights(new float[107]).build(), "needs 108 weights", "got 107");
        iae(() -> Conv2d.depthwise(8, 3).weights(new float[8 * 9 * 8]).build(), "needs 72 weights", "got 576");
        iae(() -> Conv2d.builder(8, 8).groups(2).weights(new float[8 * 8 * 9]).build(), "needs 288 weights");
        iae(() -> Conv2d.pointwise(3, 4).weights(new float[12]).bias(new float[3]).build(), "bias needs 4", "got 3");
        iae(() -> new Linear(10, 4, new float[39], null), "needs 40 weights", "got 39");
        iae(() -> new Linear(10, 4, new float[40], new float[5]), "bias needs 4", "got 5");
    }

    // ---------------------------------------------------------------- nulls

    @Test
    void nullArgumentsAreNamed() {
        npe(() -> Conv2d.builder(1, 1).build(), "weights");
        npe(() -> Conv2d.builder(1, 1).activation(null), "activation");
        npe(() -> conv3x3(1, 1).outputShape(null), "input");
        npe(() -> conv3x3(1, 1).foldBatchNorm(null), "bn");
        npe(() -> new Linear(2, 2, null, null), "weights");
        float[] v = {1f};
        npe(() -> new BatchNorm(null, v, v, v, 1e-5), "gamma");
        npe(() -> new BatchNorm(v, null, v, v, 1e-5), "beta");
        npe(() -> new BatchNorm(v, v, null, v, 1e-5), "mean");
        npe(() -> new BatchNorm(v, v, v, null, 1e-5), "variance");
        npe(() -> new Sequential(null), "layers");
        npe(() -> new Sequential(Arrays.asList(conv3x3(1, 1), null)), "layer 1");
        Sequential net = Sequential.of(conv3x3(1, 1));
        npe(() -> net.outputShape(null), "input");
        npe(() -> net.compile(null, Shape.of(1, 1, 3, 3), Layout.NCHW, Layout.NCHW), "engine");
        npe(() -> net.compile(closedEngine, Shape.of(1, 1, 3, 3), null, Layout.NCHW), "inputLayout");
        npe(() -> net.compile(closedEngine, Shape.of(1, 1, 3, 3), Layout.NCHW, null), "outputLayout");
        npe(() -> net.compile(closedEngine, Shape.of(1, 1, 3, 3), Layout.NCHW, Layout.NCHW, null), "dataType");
        npe(() -> net.compile(closedEngine, null, Layout.NCHW, Layout.NCHW), "input");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(16);
            npe(() -> new Tensor(null, Shape.of(1, 1, 2, 2), Layout.NCHW), "data");
            npe(() -> new Tensor(seg, null, Layout.NCHW), "shape");
            npe(() -> new Tensor(seg, Shape.of(1, 1, 2, 2), null), "layout");
            npe(() -> Tensor.of(arena, Shape.of(1, 1, 2, 2), Layout.NCHW, null), "values");
        }
    }

    @Test
    void nullLayerInSequentialOfIsNamed() {
        npe(() -> Sequential.of(conv3x3(1, 1), null), "layer 1");
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
        Conv2d folded = Conv2d.pointwise(1, 1).weights(new float[] {1f}).build().foldBatchNorm(bn);
        assertEquals((float) (1 / Math.sqrt(1 + 1e-5)), folded.weights()[0], 1e-7f);
    }

    @Test
    void batchNormOfTheWrongWidthCannotBeFolded() {
        BatchNorm bn = new BatchNorm(new float[] {1, 1}, new float[2], new float[2], new float[] {1, 1}, 1e-5);
        iae(() -> conv3x3(2, 3).foldBatchNorm(bn), "2 channels", "produces 3");
    }

    // ---------------------------------------------------------------- compile options

    @Test
    void compileOptions() {
        iae(() -> Sequential.of(conv3x3(1, 1)).compile(closedEngine, Shape.of(1, 1, 3, 3), Layout.NCHW, Layout.NCHW,
                DataType.S8), "F32 or BF16", "S8");
        iae(() -> new Sequential(List.of()), "at least one layer");
    }

    // ---------------------------------------------------------------- running

    @Test
    void executionRefusesWrongBuffersAndKeepsWorking() {
        int cin = 2, cout = 3, h = 4, w = 4;
        SplittableRandom r = new SplittableRandom(5);
        float[] weights = Naive.random(r, cout * cin * 9, 1.0);
        float[] x = Naive.random(r, cin * h * w, 1.0);
        Conv2d conv = Conv2d.builder(cin, cout).kernel(3).padding(1).weights(weights).build();
        float[] want = Naive.conv2d(x, 1, cin, h, w, weights, null, cout, 3, 3, 1, 1, 1, 1, 1, 1);
        Shape in = Shape.of(1, cin, h, w);
        Shape out = Shape.of(1, cout, h, w);
        try (Arena arena = Arena.ofConfined();
                CompiledNetwork net = Sequential.of(conv).compile(engine, in, Layout.NCHW, Layout.NCHW);
                Execution exec = net.newExecution()) {
            iae(() -> Sequential.of(conv).compile(engine, in, Layout.NCHW, Layout.NCHW, DataType.F32, -1), "threads", "-1");
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

            // Tensors of the wrong shape or layout
            Tensor tIn = Tensor.of(arena, in, Layout.NCHW, x);
            Tensor tOut = Tensor.allocate(arena, out, Layout.NCHW);
            iae(() -> exec.run(Tensor.allocate(arena, in.withBatch(2), Layout.NCHW), tOut), "input tensor", "[2, 2, 4, 4]",
                    "[1, 2, 4, 4]");
            iae(() -> exec.run(Tensor.of(arena, in, Layout.NHWC, Naive.toNhwc(x, 1, cin, h, w)), tOut), "input tensor",
                    "NHWC", "NCHW");
            iae(() -> exec.run(tIn, Tensor.allocate(arena, Shape.of(1, cout, h, w + 1), Layout.NCHW)), "output tensor",
                    "[1, 3, 4, 5]");
            iae(() -> exec.run(tIn, Tensor.allocate(arena, out, Layout.NHWC)), "output tensor", "NHWC");
            npe(() -> exec.run((Tensor) null, tOut), "input");

            // None of that left the execution unusable.
            float[] got = new float[outFloats];
            exec.run(x, got);
            assertClose(want, got);
            exec.run(goodIn, goodOut);
            assertClose(want, goodOut.toArray(ValueLayout.JAVA_FLOAT));
            exec.run(tIn, tOut);
            assertClose(want, tOut.toArray());
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
    void tensorShapeAndDataMustAgree() {
        try (Arena arena = Arena.ofConfined()) {
            iae(() -> new Tensor(arena.allocate(60), Shape.of(1, 2, 2, 4), Layout.NCHW), "[1, 2, 2, 4]", "64 bytes", "60");
            iae(() -> Tensor.of(arena, Shape.of(1, 1, 2, 2), Layout.NHWC, new float[5]), "[1, 1, 2, 2]", "4 values", "got 5");
        }
    }

    @Test
    void nativeBuffersForMemory() {
        try (Arena arena = Arena.ofConfined();
                MemoryDesc desc = MemoryDesc.of(new long[] {1, 2, 3, 4}, DataType.F32, FormatTag.NCHW)) {
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
