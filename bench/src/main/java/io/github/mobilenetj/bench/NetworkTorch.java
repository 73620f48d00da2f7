package io.github.mobilenetj.bench;

import io.github.mobilenetj.model.ModelConfig;
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
 * MobileNetV1 1.0-224 with the same weights and input as {@link NetworkOurs} / {@link BatchOurs}, on PyTorch
 * 2.7.1 through DJL ({@link TorchNet}), batch 1 and 8, {@code threads} intra-op threads. bench/run.sh runs it
 * in its own JMH invocation with glibc told to keep freed memory (GLIBC_TUNABLES, see bench/README.md):
 * without that every forward page-faults PyTorch's freed tensors back in and the figure measures the kernel's
 * page-fault path rather than PyTorch.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class NetworkTorch {

    static final double ALPHA = 1.0;
    static final int RESOLUTION = 224;

    @Param({"1", "8"})
    public int batch;

    /** PyTorch intra-op threads (inter-op 1), as many as the other engines' threads. */
    @Param({"1", "2"})
    public int threads;

    private TorchNet net;

    @Setup(Level.Trial)
    public void setUp() {
        ModelConfig config = Support.config(ALPHA, RESOLUTION, batch);
        net = new TorchNet(config, Support.weights(config), threads);
    }

    @Benchmark
    public void run() {
        net.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
    }
}
