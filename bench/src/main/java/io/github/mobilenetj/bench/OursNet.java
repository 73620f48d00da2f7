package io.github.mobilenetj.bench;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Precision;
import io.github.mobilenetj.model.Session;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * mobilenetj's whole network for one batch size: a shared model, one session with {@code threads} OpenMP
 * threads, and native input/logits segments of a confined arena allocated once (the zero-copy, allocation-free
 * path).
 */
final class OursNet implements AutoCloseable {

    final MobileNetV1 model;
    final Session session;
    private final Arena arena;
    final MemorySegment images;
    final MemorySegment logits;

    OursNet(double alpha, int resolution, int batch, int threads) throws IOException {
        this(alpha, resolution, batch, threads, "fp32");
    }

    /**
     * @param precision {@code fp32}, {@code bf16} (throws {@link UnsupportedOperationException} on a CPU without
     *                  bf16) or {@code int8} (the quantized file of {@link Support#quantizedFile}, as ORT's int8 peer)
     */
    OursNet(double alpha, int resolution, int batch, int threads, String precision) throws IOException {
        ModelConfig config = Support.config(alpha, resolution, batch);
        Precision p = Support.precision(precision);
        MobileNetV1 m = p == Precision.INT8
                ? MobileNetV1.builder().maxBatchSize(batch).threads(threads).precision(p)
                        .load(Support.quantizedFile(alpha, resolution))
                : Support.weights(config).build(MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution)
                        .classes(Support.CLASSES).maxBatchSize(batch).threads(threads).precision(p));
        Session s = null;
        Arena a = null;
        try {
            s = m.newSession();
            // Confined to the thread that runs (JMH runs Scope.Thread setup on the benchmark thread): zero-copy.
            a = Arena.ofConfined();
            images = a.allocate((long) batch * m.config().imageSize() * Float.BYTES, 64);
            logits = a.allocate((long) batch * Support.CLASSES * Float.BYTES, 64);
            Support.fill(images, Support.INPUT_SEED);
            s.run(images, logits); // compiles the batch-size network and allocates the session's buffers
        } catch (RuntimeException | Error e) {
            if (s != null) s.close();
            if (a != null) a.close();
            m.close();
            throw e;
        }
        model = m;
        session = s;
        arena = a;
    }

    void run() {
        session.run(images, logits);
    }

    float firstLogit() {
        return logits.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
    }

    @Override
    public void close() {
        session.close();
        model.close();
        arena.close();
    }
}
