package io.github.mobilenetj.bench;

import java.io.IOException;
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
 * Whole MobileNetV1, batch 1, on mobilenetj: {@code Session.run(MemorySegment, MemorySegment)} with native
 * segments (zero-copy, no Java allocation), one caller thread, {@code threads} OpenMP threads.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class NetworkOurs {

    @Param({"1.0", "0.75", "0.5", "0.25"})
    public String alpha;

    @Param({"224", "192", "160", "128"})
    public int resolution;

    /** OpenMP threads of the one calling thread (compare with ORT's intra-op threads at the same count). */
    @Param({"1", "2"})
    public int threads;

    /** fp32, bf16 (needs AVX512-BF16/AMX) or int8 (the quantized network ORT's int8 peer runs too). */
    @Param({"fp32", "bf16", "int8"})
    public String precision;

    private OursNet net;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        net = new OursNet(Support.parseAlpha(alpha), resolution, 1, threads, precision);
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
