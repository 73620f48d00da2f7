package io.github.mobilenetj.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session of the same network and weights, with its input and a pinned output tensor
 * created once over direct buffers: {@link #run()} is {@code session.run(inputs, pinnedOutputs)}, so ORT
 * reads the input in place and writes the logits into the pre-allocated output instead of allocating a new
 * output tensor per call (the Java side still allocates a small {@code Result} per call).
 */
final class OrtNet implements AutoCloseable {

    private final OrtSession.SessionOptions options;
    final OrtSession session;
    private final OnnxTensor input;
    private final OnnxTensor output;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;
    private final FloatBuffer logits;
    private final FloatBuffer images;

    /** @param model a serialized ONNX model with one float input and one float output */
    OrtNet(byte[] model, long[] inputShape, long[] outputShape, int threads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        options = Support.ortOptions(threads);
        OrtSession s = null;
        OnnxTensor in = null;
        OnnxTensor out = null;
        try {
            s = env.createSession(model, options);
            String inputName = s.getInputNames().iterator().next();
            String outputName = s.getOutputNames().iterator().next();
            images = Support.directFloats(product(inputShape));
            Support.fill(java.lang.foreign.MemorySegment.ofBuffer(images), Support.INPUT_SEED);
            logits = Support.directFloats(product(outputShape));
            in = OnnxTensor.createTensor(env, images, inputShape);
            out = OnnxTensor.createTensor(env, logits, outputShape);
            inputs = Map.of(inputName, in);
            outputs = Map.of(outputName, out);
            session = s;
            input = in;
            output = out;
            run(); // first run: ORT allocates its arena and plans memory here
        } catch (OrtException | RuntimeException e) {
            if (out != null) out.close();
            if (in != null) in.close();
            if (s != null) s.close();
            options.close();
            throw e;
        }
    }

    void run() throws OrtException {
        try (OrtSession.Result r = session.run(inputs, outputs)) {
            // The pinned output is not owned by the result; closing the result frees nothing of ours.
        }
    }

    float firstLogit() {
        return logits.get(0);
    }

    /** The input tensor's buffer (ORT reads it in place: writing it changes the next run's input). */
    FloatBuffer inputBuffer() {
        return images.duplicate();
    }

    /** The pinned output's buffer (the logits, or the layer output), filled by {@link #run()}. */
    FloatBuffer logitsBuffer() {
        return logits.duplicate();
    }

    static long product(long[] dims) {
        long p = 1;
        for (long d : dims) p *= d;
        return p;
    }

    @Override
    public void close() throws OrtException {
        try {
            output.close();
            input.close();
            session.close();
        } finally {
            options.close();
        }
    }
}
