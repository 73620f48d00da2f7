package io.github.mobilenetj.bench;

import ai.onnxruntime.OrtException;
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
 * The same network and weights as {@link NetworkOurs}, batch 1, on ONNX Runtime: input and pinned output
 * tensors created once ({@link OrtNet}), {@code threads} intra-op threads, inter-op 1, sequential, ALL_OPT.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class NetworkOrt {

    @Param({"1.0", "0.75", "0.5", "0.25"})
    public String alpha;

    @Param({"224", "192", "160", "128"})
    public int resolution;

    /** ORT intra-op threads (the caller is one of them), as many as NetworkOurs' OpenMP threads. */
    @Param({"1", "2"})
    public int threads;

    /** fp32 (the float graph, BatchNorm folded) or int8 (the QDQ graph of NetworkOurs' quantized network). */
    @Param({"fp32", "int8"})
    public String precision;

    private OrtNet net;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        net = new OrtNet(Support.onnx(Support.parseAlpha(alpha), resolution, precision),
                new long[] {1, 3, resolution, resolution}, new long[] {1, Support.CLASSES}, threads);
    }

    @Benchmark
    public void run() throws OrtException {
        net.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        net.close();
    }
}
