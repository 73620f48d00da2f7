package io.github.mobilenetj.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mobilenetj.model.ModelConfig;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
 * For comparison with {@link Build}: ONNX Runtime session creation from the same network as an .onnx file
 * (BatchNorm folded; written once in the setup): parse, ALL_OPT graph optimizations, weight prepacking
 * ({@code session}), and the same plus the first run ({@code firstInference}). One fresh session per
 * invocation; the ORT environment and native library are created in the setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 3, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 0)
@Measurement(iterations = 10)
public class BuildOrt {

    @Param({"1.0"})
    public String alpha;

    @Param({"224"})
    public int resolution;

    /** ORT intra-op threads. */
    @Param({"1", "2"})
    public int threads;

    private Path dir;
    private Path modelFile;
    private OrtEnvironment env;
    private FloatBuffer images;
    private FloatBuffer logits;
    private OrtSession.SessionOptions options;
    private OrtSession session;
    private OnnxTensor input;
    private OnnxTensor output;

    @Setup(Level.Trial)
    public void setUp() throws IOException, OrtException {
        ModelConfig config = Support.config(Support.parseAlpha(alpha), resolution, 1);
        dir = Files.createTempDirectory("mobilenetj-bench");
        modelFile = dir.resolve("mobilenet_v1.onnx");
        Files.write(modelFile, Support.onnx(config, Support.weights(config)));
        env = OrtEnvironment.getEnvironment();
        images = Support.directFloats((long) config.inChannels() * resolution * resolution);
        Support.fill(java.lang.foreign.MemorySegment.ofBuffer(images), Support.INPUT_SEED);
        logits = Support.directFloats(Support.CLASSES);
    }

    @Setup(Level.Invocation)
    public void newOptions() throws OrtException {
        options = Support.ortOptions(threads);
    }

    @Benchmark
    public OrtSession session() throws OrtException {
        session = env.createSession(modelFile.toString(), options);
        return session;
    }

    @Benchmark
    public float firstInference() throws OrtException {
        session = env.createSession(modelFile.toString(), options);
        input = OnnxTensor.createTensor(env, images, new long[] {1, 3, resolution, resolution});
        output = OnnxTensor.createTensor(env, logits, new long[] {1, Support.CLASSES});
        try (OrtSession.Result r = session.run(Map.of(session.getInputNames().iterator().next(), input),
                Map.of(session.getOutputNames().iterator().next(), output))) {
            return logits.get(0);
        }
    }

    @TearDown(Level.Invocation)
    public void closeSession() throws OrtException {
        if (output != null) {
            output.close();
            output = null;
        }
        if (input != null) {
            input.close();
            input = null;
        }
        if (session != null) {
            session.close();
            session = null;
        }
        options.close();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(modelFile);
        Files.deleteIfExists(dir);
    }
}
