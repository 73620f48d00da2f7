package io.github.mobilenetj.bench;

import io.github.mobilenetj.image.PixelLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One or two MobileNetV1 layers ({@link LayerCase}) through mobilenetj's internal nn API: a {@code Network}
 * compiled for batch 1 and run with {@code Execution.run(MemorySegment, MemorySegment)} on native segments of a
 * confined arena (zero-copy). With {@code layout=NCHW} the caller's tensors are NCHW, as ONNX Runtime's are, and the
 * compiled network includes the reorders to and from the layout oneDNN chose; with {@code NHWC} there are
 * usually none (see results/machine.json for the primitives), which isolates the convolution kernels.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class LayerOurs {

    @Param
    public LayerCase layer;

    /** The caller's tensor layout: NCHW (as ORT's) or NHWC. */
    @Param({"NCHW", "NHWC"})
    public String layout;

    /** OpenMP threads of the one calling thread. */
    @Param({"1", "2"})
    public int threads;

    private OursLayer compiled;
    private Arena arena;
    private MemorySegment input;
    private MemorySegment output;

    @Setup(Level.Trial)
    public void setUp() {
        compiled = new OursLayer(layer, layout.equals("NHWC") ? PixelLayout.HWC : PixelLayout.CHW, threads);
        // Confined to the benchmark thread (JMH runs Scope.Thread setup there): oneDNN works in place.
        arena = Arena.ofConfined();
        input = arena.allocate(compiled.network.inputBytes(), 64);
        output = arena.allocate(compiled.network.outputBytes(), 64);
        Support.fill(input, Support.INPUT_SEED);
        compiled.execution.run(input, output);
    }

    @Benchmark
    public void run() {
        compiled.execution.run(input, output);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        compiled.close();
        arena.close();
    }
}
