package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.nn.Execution;
import io.github.mobilenetj.nn.Network;
import io.github.mobilenetj.nn.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a float32 model over a {@link Calibration} and reads off the range of every activation
 * tensor: its largest value ({@link Calibration.Method#MIN_MAX}), or the 99.99th percentile of its
 * values ({@link Calibration.Method#PERCENTILE}, from a histogram of 4096 bins over [0, max]
 * filled in a second pass).
 */
final class Calibrator {

    /** Images per calibration run. */
    static final int BATCH = 8;
    private static final int BINS = 4096;
    private static final double PERCENTILE = 0.9999;

    private Calibrator() {
    }

    /**
     * The range of each activation tensor of {@code model} (an FP32 model) over the calibration
     * data: element 0 for the network input (largest magnitude), element l + 1 for layer l's output.
     */
    static float[] ranges(MobileNetV1 model, Calibration calibration) {
        if (model.precision() != Precision.FP32) {
            throw new IllegalStateException("calibration runs a float32 model, not " + model.precision());
        }
        int layers = Architecture.of(model.config()).modules().size();
        float[] maxima = new float[layers + 1];
        pass(model, calibration, (tensor, values, count) -> {
            for (long i = 0; i < count; i++) {
                float v = Math.abs(values.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                if (v > maxima[tensor]) {
                    maxima[tensor] = v;
                }
            }
        });
        if (calibration.method() == Calibration.Method.MIN_MAX) {
            return maxima;
        }
        long[][] histograms = new long[layers + 1][BINS];
        pass(model, calibration, (tensor, values, count) -> {
            float max = maxima[tensor];
            if (max <= 0) {
                return;
            }
            long[] h = histograms[tensor];
            for (long i = 0; i < count; i++) {
                float v = Math.abs(values.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                h[Math.min(BINS - 1, (int) (v / max * BINS))]++;
            }
        });
        float[] ranges = new float[layers + 1];
        for (int t = 0; t <= layers; t++) {
            long total = 0;
            for (long c : histograms[t]) {
                total += c;
            }
            long target = (long) Math.ceil(total * PERCENTILE);
            long seen = 0;
            int bin = 0;
            while (bin < BINS - 1 && seen + histograms[t][bin] < target) {
                seen += histograms[t][bin++];
            }
            ranges[t] = maxima[t] * (bin + 1) / BINS;
        }
        return ranges;
    }

    /** Receives the values of one activation tensor of one batch. */
    private interface Sink {
        void accept(int tensor, MemorySegment values, long count);
    }

    /** Runs every calibration input through the model, showing each tensor to {@code sink}. */
    private static void pass(MobileNetV1 model, Calibration calibration, Sink sink) {
        int imageFloats = model.config().imageSize();
        int total = calibration.size();
        int batch = Math.min(BATCH, model.config().maxBatchSize());
        try (Arena arena = Arena.ofConfined(); Workspace workspace = new Workspace()) {
            MemorySegment input = arena.allocate((long) batch * imageFloats * Float.BYTES, 64);
            MemorySegment logits = arena.allocate((long) batch * model.config().classes() * Float.BYTES, 64);
            Execution[] executions = new Execution[batch + 1];
            try {
                for (int first = 0; first < total; first += batch) {
                    int n = Math.min(batch, total - first);
                    for (int i = 0; i < n; i++) {
                        float[] x = calibration.input(first + i, model);
                        MemorySegment.copy(x, 0, input, ValueLayout.JAVA_FLOAT, (long) i * imageFloats * Float.BYTES, x.length);
                    }
                    MemorySegment in = input.asSlice(0, (long) n * imageFloats * Float.BYTES);
                    sink.accept(0, in, (long) n * imageFloats);
                    if (executions[n] == null) {
                        Network network = model.state().network(n, model.threads());
                        executions[n] = new Execution(network, workspace);
                    }
                    executions[n].runObserving(in, logits.asSlice(0, (long) n * model.config().classes() * Float.BYTES),
                            (layer, data, type) -> {
                                if (type != DType.F32) {
                                    throw new IllegalStateException("calibration reads float32 activations, got " + type);
                                }
                                sink.accept(layer + 1, data, data.byteSize() / Float.BYTES);
                            });
                }
            } finally {
                for (Execution e : executions) {
                    if (e != null) {
                        e.close();
                    }
                }
            }
        }
    }
}
