package io.github.mobilenetj.bench;

import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.nn.CompiledNetwork;
import io.github.mobilenetj.nn.Execution;
import io.github.mobilenetj.nn.Layout;
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
 * One or two MobileNetV1 layers ({@link LayerCase}) through mobilenetj's nn API: a {@code Sequential}
 * compiled for batch 1 and run with {@code Execution.run(MemorySegment, MemorySegment)} on native segments
 * (zero-copy). With {@code layout=NCHW} the caller's tensors are NCHW, as ONNX Runtime's are, and the
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

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    /** OpenMP threads of the one calling thread. */
    @Param({"1", "2"})
    public int threads;

    private Engine engine;
    private CompiledNetwork network;
    private Execution execution;
    private Arena arena;
    private MemorySegment input;
    private MemorySegment output;

    @Setup(Level.Trial)
    public void setUp() {
        engine = Engine.cpu();
        network = layer.network().compile(engine, layer.input(), layout, layout, DataType.F32, threads);
        execution = network.newExecution();
        arena = Arena.ofShared();
        input = arena.allocate(network.inputBytes(), 64);
        output = arena.allocate(network.outputBytes(), 64);
        Support.fill(input, Support.INPUT_SEED);
        execution.run(input, output);
    }

    @Benchmark
    public void run() {
        execution.run(input, output);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        execution.close();
        network.close();
        engine.close();
        arena.close();
    }
}
