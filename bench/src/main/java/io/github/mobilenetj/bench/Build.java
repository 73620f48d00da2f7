package io.github.mobilenetj.bench;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Model build time on mobilenetj, one fresh model per invocation (Mode.SingleShotTime):
 * <ul>
 * <li>{@code build}: {@code MobileNetV1.builder()....load(file)}: read the safetensors file (written
 * once in the trial setup, so it is in the page cache), fold BatchNorm, create the batch-1 primitives, reorder
 * the weights into oneDNN's layouts;</li>
 * <li>{@code firstInference}: the same plus opening a session and its first run on a batch-1 image, i.e. the
 * latency of the first answer after loading.</li>
 * </ul>
 * Loading and extracting the oneDNN library itself happens once in the trial setup and is not measured.
 * {@code primitiveCache=off} sets oneDNN's primitive cache capacity to 0 so every build JIT-compiles its
 * kernels as a fresh process does; {@code on} keeps the default cache and builds one model in the setup
 * first, so it measures a rebuild in a warm process. With {@code -wi 0} the first iteration of each fork is
 * also cold for the JVM (interpreted folding code etc.); report.py shows it separately. Before each
 * model is built for {@code threads} OpenMP threads ({@code MobileNetV1.Builder.threads}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 3, jvmArgsAppend = Support.NATIVE_ACCESS)
@Warmup(iterations = 0)
@Measurement(iterations = 10)
public class Build {

    @Param({"1.0"})
    public String alpha;

    @Param({"224"})
    public int resolution;

    /** OpenMP threads of the caller (weight reorders at build, the first run). */
    @Param({"1", "2"})
    public int threads;

    @Param({"off", "on"})
    public String primitiveCache;

    private Path dir;
    private Path weightsFile;
    private int defaultCapacity;
    private Arena arena;
    private MemorySegment images;
    private MemorySegment logits;
    private MobileNetV1 model;
    private Session session;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        double a = Support.parseAlpha(alpha);
        ModelConfig config = Support.config(a, resolution, 1);
        dir = Files.createTempDirectory("mobilenetj-bench");
        weightsFile = dir.resolve("mobilenet_v1.safetensors");
        Support.weights(config).save(weightsFile, DType.F32, Map.of("format", "pt"));
        Dnnl.version(); // loads the native library outside the measurement
        defaultCapacity = PrimitiveCache.capacity();
        switch (primitiveCache) {
            case "off" -> PrimitiveCache.setCapacity(0);
            case "on" -> {
                try (MobileNetV1 warm = builder().load(weightsFile)) {
                    warm.config();
                }
            }
            default -> throw new IllegalArgumentException("primitiveCache must be on or off, got " + primitiveCache);
        }
        arena = Arena.ofShared();
        images = arena.allocate((long) config.inChannels() * resolution * resolution * Float.BYTES, 64);
        logits = arena.allocate((long) Support.CLASSES * Float.BYTES, 64);
        Support.fill(images, Support.INPUT_SEED);
    }

    private MobileNetV1.Builder builder() {
        return MobileNetV1.builder().widthMultiplier(Support.parseAlpha(alpha)).resolution(resolution)
                .classes(Support.CLASSES).threads(threads);
    }

    @Benchmark
    public MobileNetV1 build() throws IOException {
        model = builder().load(weightsFile);
        return model;
    }

    @Benchmark
    public float firstInference() throws IOException {
        model = builder().load(weightsFile);
        session = model.newSession();
        session.run(images, logits);
        return logits.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
    }

    @TearDown(Level.Invocation)
    public void closeModel() {
        if (session != null) {
            session.close();
            session = null;
        }
        if (model != null) {
            model.close();
            model = null;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        PrimitiveCache.setCapacity(defaultCapacity);
        arena.close();
        Files.deleteIfExists(weightsFile);
        Files.deleteIfExists(dir);
    }
}
