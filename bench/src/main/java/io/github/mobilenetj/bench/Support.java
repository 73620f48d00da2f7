package io.github.mobilenetj.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.TestWeights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** Settings and helpers shared by the benchmarks. */
final class Support {

    /** Every forked benchmark JVM gets this (the library and ONNX Runtime call native code). */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    /** Seed of {@link TestWeights#random}: ours, ONNX Runtime and the native baseline all use these weights. */
    static final long WEIGHT_SEED = 42;
    /** Seed of the input values. */
    static final long INPUT_SEED = 7;
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
        MobileNetSpec spec = new MobileNetSpec(config.widthMultiplier(), config.resolution(), config.inChannels(),
                config.classes(), MobileNetSpec.Activation.RELU, config.batchNormEpsilon());
        return OnnxMobileNetWriter.write(spec, weights::values, false, true);
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
