package io.github.mobilenetj.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.model.Calibration;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Precision;
import io.github.mobilenetj.model.TestWeights;
import io.github.mobilenetj.reference.OnnxQdqWriter;
import io.github.mobilenetj.reference.QuantizedMobileNet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Settings and helpers shared by the benchmarks. */
final class Support {

    /** Every forked benchmark JVM gets this (the library and ONNX Runtime call native code). */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** Seed of {@link TestWeights#random}: ours, ONNX Runtime and the native baseline all use these weights. */
    static final long WEIGHT_SEED = 42;
    /** Seed of the input values. */
    static final long INPUT_SEED = 7;
    /** Seed of the N(0, 1) calibration inputs of the INT8 benchmarks. */
    static final long CALIBRATION_SEED = 1234;
    /** How many calibration inputs: enough for min/max ranges of random weights (speed, not accuracy). */
    static final int CALIBRATION_SAMPLES = 64;
    static final int CLASSES = 1000;

    /**
     * Optional {@code -Dbench.ort.spinning=0|1}: ONNX Runtime's {@code session.intra_op.allow_spinning}.
     * Unset = ORT's default (spinning on), which is what the benchmarks use.
     */
    static final String ORT_SPINNING_PROPERTY = "bench.ort.spinning";

    private Support() {
    }

    /** The library's configuration for α, resolution and a maximum batch, otherwise the defaults (ReLU, ε 1e-5, NCHW). */
    static ModelConfig config(double alpha, int resolution, int maxBatch) {
        ModelConfig d = ModelConfig.defaults();
        return new ModelConfig(alpha, resolution, CLASSES, d.inChannels(), d.activation(), d.batchNormEpsilon(),
                d.inputLayout(), maxBatch);
    }

    static TestWeights weights(ModelConfig config) {
        return TestWeights.random(config, WEIGHT_SEED);
    }

    /**
     * The same network as ONNX (NCHW input, symbolic batch), from the same weights, with BatchNorm folded into
     * the convolutions in double precision exactly as the library folds it, so both engines get the same graph
     * (ORT's ALL_OPT would fuse Conv+BatchNormalization itself anyway).
     */
    static byte[] onnx(ModelConfig config, TestWeights weights) {
        return OnnxMobileNetWriter.write(spec(config), weights::values, false, true);
    }

    /** The reference package's description of the benchmarks' network (ReLU). */
    static MobileNetSpec spec(ModelConfig config) {
        return new MobileNetSpec(config.widthMultiplier(), config.resolution(), config.inChannels(),
                config.classes(), MobileNetSpec.Activation.RELU, config.batchNormEpsilon());
    }

    /**
     * ONNX Runtime options for {@code threads} intra-op threads of one caller: all graph optimizations,
     * inter-op 1, sequential execution; memory pattern and the CPU arena at their defaults (on).
     */
    static OrtSession.SessionOptions ortOptions(int threads) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            String spinning = System.getProperty(ORT_SPINNING_PROPERTY);
            if (spinning != null && !spinning.isBlank()) {
                o.addConfigEntry("session.intra_op.allow_spinning", spinning.trim());
            }
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** {@code fp32}, {@code bf16} or {@code int8} (the benchmarks' {@code precision} parameter). */
    static Precision precision(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32" -> Precision.FP32;
            case "bf16" -> Precision.BF16;
            case "int8" -> Precision.INT8;
            default -> throw new IllegalArgumentException("precision must be fp32, bf16 or int8, got " + name);
        };
    }

    /**
     * The benchmarks' quantized network for α × resolution: the weights of {@link #weights} (seed 42), BatchNorm
     * folded, min/max calibration on {@value #CALIBRATION_SAMPLES} seeded N(0, 1) inputs (run at 1 thread, batch 8,
     * so the scales do not depend on the benchmark's threads or batch), every layer in 8 bits (the library's
     * default mix), written as a quantized safetensors file. mobilenetj loads this file, ONNX Runtime runs its QDQ
     * graph ({@link #onnxInt8}) and the native C baseline reads it: one quantized network for every engine.
     */
    static void writeQuantized(Path file, double alpha, int resolution) throws IOException {
        ModelConfig config = config(alpha, resolution, 8);
        List<float[]> inputs = new ArrayList<>(CALIBRATION_SAMPLES);
        SplittableRandom random = new SplittableRandom(CALIBRATION_SEED);
        for (int i = 0; i < CALIBRATION_SAMPLES; i++) {
            inputs.add(randomArray(config.imageSize(), random, 1.0));
        }
        Calibration calibration = Calibration.ofTensors(inputs)
                .describedAs(CALIBRATION_SAMPLES + " N(0, 1) tensors, seed " + CALIBRATION_SEED + " (bench)");
        try (MobileNetV1 model = weights(config).build(MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution)
                .classes(CLASSES).maxBatchSize(8).threads(1).precision(Precision.INT8).calibration(calibration))) {
            model.saveQuantized(file);
        }
    }

    /** {@link #writeQuantized} into a file of this JVM's temporary directory, written once per α × resolution. */
    static synchronized Path quantizedFile(double alpha, int resolution) {
        Path file = TEMP.resolve("q-a" + alpha + "-r" + resolution + ".int8.safetensors");
        if (!Files.exists(file)) {
            try {
                writeQuantized(file, alpha, resolution);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the quantized benchmark network " + file, e);
            }
        }
        return file;
    }

    private static final Path TEMP = createTemp();

    private static Path createTemp() {
        try {
            Path dir = Files.createTempDirectory("mobilenetj-bench-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory left behind
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The quantized network of {@code file} as an ONNX QDQ graph (our scales and s8 codes, NCHW input, symbolic
     * batch), which ONNX Runtime fuses into QLinearConv / QLinearGlobalAveragePool / QGemm.
     */
    static byte[] onnxInt8(Path file) {
        try {
            return OnnxQdqWriter.write(QuantizedMobileNet.read(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ONNX graph of the benchmarks' network for ORT at {@code precision} (fp32 or int8; ORT has no bf16 Conv). */
    static byte[] onnx(double alpha, int resolution, String precision) {
        ModelConfig config = config(alpha, resolution, 1);
        return switch (precision(precision)) {
            case FP32 -> onnx(config, weights(config));
            case INT8 -> onnxInt8(quantizedFile(alpha, resolution));
            case BF16 -> throw new UnsupportedOperationException("ONNX Runtime's CPU execution provider has no bf16"
                    + " Conv kernel (see bench/README.md); benchmark ORT at fp32 or int8");
        };
    }

    /** Deterministic values roughly N(0, 1), like a normalized image. */
    static void fill(MemorySegment segment, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long n = segment.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) gaussian(random));
        }
    }

    static float[] randomArray(int n, SplittableRandom random, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (gaussian(random) * std);
        }
        return v;
    }

    static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A direct float buffer in native order over {@code floats} values (ORT uses it in place, no copy). */
    static FloatBuffer directFloats(long floats) {
        return ByteBuffer.allocateDirect(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static double parseAlpha(String alpha) {
        return Double.parseDouble(alpha);
    }
}
