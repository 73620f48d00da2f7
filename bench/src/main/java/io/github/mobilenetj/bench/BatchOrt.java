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

/** {@link BatchOurs} on ONNX Runtime: same network, weights and batch, pinned input/output tensors. */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class BatchOrt {

    @Param({"8", "32"})
    public int batch;

    /** ORT intra-op threads. */
    @Param({"1", "2"})
    public int threads;

    /** fp32 or int8 (the QDQ graph of BatchOurs' quantized network). */
    @Param({"fp32", "int8"})
    public String precision;

    private OrtNet net;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        net = new OrtNet(Support.onnx(BatchOurs.ALPHA, BatchOurs.RESOLUTION, precision),
                new long[] {batch, 3, BatchOurs.RESOLUTION, BatchOurs.RESOLUTION}, new long[] {batch, Support.CLASSES}, threads);
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
