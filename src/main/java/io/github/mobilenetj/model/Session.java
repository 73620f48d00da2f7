package io.github.mobilenetj.model;

import io.github.mobilenetj.nn.Execution;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * Runs a {@link MobileNetV1} for one thread at a time: owns a oneDNN stream, activation buffers
 * and a scratchpad per batch size, allocated on the first run of that batch size and reused after.
 *
 * <p>Inputs are float32 images in the model's input layout, batch items back to back; outputs are
 * logits, {@code classes} floats per image. The batch size is taken from the input's length.
 *
 * <p><b>Thread safety:</b> not thread-safe; create one session per thread (sessions are cheap).
 * Using one from two threads at once, or closing it while it runs, throws
 * {@link IllegalStateException}. {@link #run(MemorySegment, MemorySegment)} with native segments
 * allocates nothing on the Java heap.
 */
public final class Session implements AutoCloseable {

    private final MobileNetV1 model;
    private final int threads;
    private final int imageFloats;
    private final int classes;
    private final Execution[] executions;
    private boolean closed;

    Session(MobileNetV1 model, int threads) {
        this.model = model;
        this.threads = threads;
        this.imageFloats = model.imageSize();
        this.classes = model.config().classes();
        this.executions = new Execution[model.config().maxBatchSize() + 1];
        model.sessionOpened();
    }

    /** Classifies {@code images} (batch inferred from the length) and returns new logits. */
    public float[] run(float[] images) {
        int batch = batchOf((long) Objects.requireNonNull(images, "images").length);
        float[] logits = new float[batch * classes];
        execution(batch).run(images, logits);
        return logits;
    }

    /** Classifies {@code images} into {@code logits} ({@code batch * classes} floats). Allocation-free. */
    public void run(float[] images, float[] logits) {
        int batch = batchOf((long) Objects.requireNonNull(images, "images").length);
        checkLogits(Objects.requireNonNull(logits, "logits").length, batch);
        execution(batch).run(images, logits);
    }

    /**
     * Classifies the remaining floats of {@code images} into {@code logits}; positions are not moved.
     * Direct buffers in native byte order are used without copying.
     */
    public void run(FloatBuffer images, FloatBuffer logits) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(logits, "logits");
        if (images.isDirect() && images.order() != ByteOrder.nativeOrder()
                || logits.isDirect() && logits.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("direct FloatBuffers must use the native byte order ("
                    + ByteOrder.nativeOrder() + "); use ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder())");
        }
        if (logits.isReadOnly()) {
            throw new IllegalArgumentException("logits buffer is read-only");
        }
        run(MemorySegment.ofBuffer(images), MemorySegment.ofBuffer(logits));
    }

    /**
     * Classifies the float32 images in {@code images} into {@code logits}. With native segments
     * (from an {@link java.lang.foreign.Arena}) this is zero-copy and allocation-free; heap
     * segments are copied through the session's buffers.
     */
    public void run(MemorySegment images, MemorySegment logits) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(logits, "logits");
        if (images.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException("images segment has " + images.byteSize() + " bytes, not a whole number of floats");
        }
        int batch = batchOf(images.byteSize() / Float.BYTES);
        checkLogits(logits.byteSize() / Float.BYTES, batch);
        execution(batch).run(images, logits);
    }

    /** Classifies {@code images} and returns new logits. */
    public float[] run(MemorySegment images) {
        Objects.requireNonNull(images, "images");
        int batch = batchOf(images.byteSize() / Float.BYTES);
        float[] logits = new float[batch * classes];
        run(images, MemorySegment.ofArray(logits));
        return logits;
    }

    private int batchOf(long floats) {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        if (floats == 0 || floats % imageFloats != 0) {
            throw new IllegalArgumentException("input has " + floats + " floats, not a whole number of "
                    + model.config().inChannels() + "x" + model.config().resolution() + "x" + model.config().resolution()
                    + " images (" + imageFloats + " floats each)");
        }
        long batch = floats / imageFloats;
        if (batch > model.config().maxBatchSize()) {
            throw new IllegalArgumentException("input holds " + batch + " images, more than the maximum batch size "
                    + model.config().maxBatchSize() + " (set maxBatchSize on the builder)");
        }
        return (int) batch;
    }

    private void checkLogits(long floats, int batch) {
        if (floats != (long) batch * classes) {
            throw new IllegalArgumentException("logits hold " + floats + " floats; " + batch + " image(s) x " + classes
                    + " classes need " + (long) batch * classes);
        }
    }

    private Execution execution(int batch) {
        Execution e = executions[batch];
        if (e == null) {
            e = model.compiledFor(batch, threads).newExecution();
            executions[batch] = e;
        }
        return e;
    }

    public MobileNetV1 model() {
        return model;
    }

    /** Frees this session's buffers; a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        model.sessionClosed();
        // Close every execution even if one refuses (it is running on another thread); the
        // network it belongs to keeps refusing to close until that execution is closed too.
        IllegalStateException refused = null;
        for (Execution e : executions) {
            try {
                if (e != null) {
                    e.close();
                }
            } catch (IllegalStateException running) {
                refused = running;
            }
        }
        if (refused != null) {
            throw refused;
        }
    }
}
