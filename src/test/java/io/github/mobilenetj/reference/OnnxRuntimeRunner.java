package io.github.mobilenetj.reference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mobilenetj.dnnl.Platform;

import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a single-input, single-output float ONNX model (such as one from {@link OnnxMobileNetWriter}) in
 * ONNX Runtime on the CPU. ONNX Runtime's checked {@link OrtException}s are rethrown as
 * {@link IllegalStateException}.
 *
 * <p>On a platform whose natives the ONNX Runtime jar does not ship (macOS x86_64 for 1.29), creating a
 * runner aborts the calling test as skipped, naming the platform, instead of failing it: the independent
 * engine is missing there, not the library under test. Everywhere else a loading problem fails the test.
 */
public final class OnnxRuntimeRunner implements AutoCloseable {

    /** ONNX Runtime's folder for this platform's natives inside its jar, e.g. {@code linux-x64}. */
    static final String PLATFORM = ortPlatform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));

    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String inputName;

    /** All graph optimizations, one intra-op thread. */
    public OnnxRuntimeRunner(byte[] model) {
        this(model, 1, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    public OnnxRuntimeRunner(byte[] model, int intraOpThreads) {
        this(model, intraOpThreads, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    /**
     * @param model          serialized ModelProto
     * @param intraOpThreads intra-op thread pool size (1 or 2 on the 2-core test machines)
     * @param level          graph optimization level ({@code NO_OPT} runs the nodes as written, e.g. unfused BN)
     */
    public OnnxRuntimeRunner(byte[] model, int intraOpThreads, OrtSession.SessionOptions.OptLevel level) {
        assumeNativesShipped();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setOptimizationLevel(level);
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            // Do not busy-wait on the shared cores between ops.
            opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            this.session = OrtEnvironment.getEnvironment().createSession(model, opts);
            this.options = opts;
            this.inputName = session.getInputNames().iterator().next();
        } catch (OrtException e) {
            opts.close();
            throw new IllegalStateException("ONNX Runtime could not load the model: " + e.getMessage(), e);
        }
    }

    /**
     * The model as ONNX Runtime rewrites it for this CPU at {@code ALL_OPT} (the optimized model it writes with
     * {@code SessionOptions.setOptimizedModelFilePath}): read it with {@link OnnxOps} to see what its graph
     * transformers fused into which kernels.
     */
    public static byte[] optimized(byte[] model, int intraOpThreads) {
        assumeNativesShipped();
        java.nio.file.Path file = null;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            file = java.nio.file.Files.createTempFile("ort-optimized-", ".onnx");
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setIntraOpNumThreads(intraOpThreads);
            opts.setOptimizedModelFilePath(file.toString());
            try (OrtSession session = OrtEnvironment.getEnvironment().createSession(model, opts)) {
                return java.nio.file.Files.readAllBytes(file);
            }
        } catch (OrtException | java.io.IOException e) {
            throw new IllegalStateException("ONNX Runtime could not optimize the model: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** Skips the calling test where the ONNX Runtime jar has no natives for this platform. */
    static void assumeNativesShipped() {
        assumeNativesShipped(PLATFORM);
    }

    static void assumeNativesShipped(String platform) {
        String folder = "ai/onnxruntime/native/" + platform + "/";
        Assumptions.assumeTrue(OnnxRuntimeRunner.class.getClassLoader().getResource(folder) != null,
                () -> "ONNX Runtime (the independent reference engine) ships no natives for " + platform
                        + " (no " + folder + " in its jar); this cross-check cannot run here");
    }

    /**
     * ONNX Runtime's folder name for the platform the library detects from {@code os.name} and
     * {@code os.arch} ({@link Platform#detect}): {linux, osx, win}-{x64, aarch64}.
     */
    static String ortPlatform(String osName, String osArch) {
        return switch (Platform.detect(osName, osArch)) {
            case LINUX_X86_64 -> "linux-x64";
            case LINUX_ARM64 -> "linux-aarch64";
            case MACOSX_X86_64 -> "osx-x64";
            case MACOSX_ARM64 -> "osx-aarch64";
            case WINDOWS_X86_64 -> "win-x64";
        };
    }

    /** The underlying session (input/output info, metadata). */
    public OrtSession session() {
        return session;
    }

    /**
     * Runs the model on one batch.
     *
     * @param input the input tensor's values, row-major
     * @param shape the input tensor's shape, e.g. {batch, 3, 224, 224}
     * @return the first output's values, row-major (logits [batch, classes] for a MobileNet)
     */
    public float[] run(float[] input, long... shape) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            OnnxValue value = result.get(0);
            if (!(value instanceof OnnxTensor out)) {
                throw new IllegalStateException("output is not a tensor: " + value.getInfo());
            }
            FloatBuffer buffer = out.getFloatBuffer();
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return values;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            options.close();
        }
    }
}
