package io.github.mobilenetj.model;

import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Runs a {@link MobileNetV1} for one thread at a time: owns activation buffers, a scratchpad and a
 * oneDNN stream per batch size, allocated on the first run of that batch size and reused after.
 *
 * <p>Inputs are float32 images in the model's {@link ModelConfig#inputLayout() input layout},
 * batch items back to back; outputs are logits, {@code classes} floats per image. The batch size
 * is taken from the input's length, up to {@link ModelConfig#maxBatchSize()}.
 *
 * <p><b>Zero copy.</b> {@link #run(MemorySegment, MemorySegment)} lets oneDNN read and write the
 * caller's native segments in place when no other thread can free them during the run: segments
 * of an {@code Arena.ofConfined()} of the calling thread, or of {@code Arena.global()}. Other
 * segments (shared or automatic arenas, buffers, arrays) are copied through the session's buffers,
 * so closing a shared arena in the middle of a run can never make oneDNN write freed memory. No
 * {@code run} method allocates on the Java heap, except those that return a new array.
 *
 * <p><b>Thread safety.</b> Not thread-safe: use one session per thread (sessions are cheap).
 * Running one from two threads at once throws {@link IllegalStateException} on the second instead
 * of corrupting anything. {@link #close()} may be called from any thread: it waits for a run in
 * progress to finish, then frees the buffers. Closing the model closes its sessions.
 */
public final class Session implements AutoCloseable {

    private final MobileNetV1 model;
    private final SessionState state;
    private final Cleaner.Cleanable cleanable;
    private final int imageFloats;
    private final int classes;
    private final int maxBatch;
    /** For buffers in non-native byte order only; allocated on first such use. */
    private float[] orderedImages;
    private float[] orderedLogits;

    Session(MobileNetV1 model, SessionState state) {
        this.model = model;
        this.state = state;
        this.imageFloats = model.config().imageSize();
        this.classes = model.config().classes();
        this.maxBatch = model.config().maxBatchSize();
        this.cleanable = ModelState.CLEANER.register(this, state);
    }

    /**
     * Classifies {@code images} (batch inferred from the length) and returns new logits.
     *
     * @param images one or more images back to back, {@link ModelConfig#imageSize()} floats each
     * @return {@code batch * classes} logits, image by image
     * @throws IllegalArgumentException if the length is not a whole number of images, or more than the maximum batch
     * @throws IllegalStateException if the session is closed or running on another thread
     */
    public float[] run(float[] images) {
        int batch = batchOf((long) Objects.requireNonNull(images, "images").length);
        float[] logits = new float[batch * classes];
        run(images, logits);
        return logits;
    }

    /**
     * Classifies {@code images} into {@code logits}. Allocation-free.
     *
     * @param images one or more images back to back, {@link ModelConfig#imageSize()} floats each
     * @param logits exactly {@code batch * classes} floats, written image by image
     * @throws IllegalArgumentException if a length does not fit
     * @throws IllegalStateException if the session is closed or running on another thread
     */
    public void run(float[] images, float[] logits) {
        int batch = batchOf((long) Objects.requireNonNull(images, "images").length);
        checkLogits(Objects.requireNonNull(logits, "logits").length, batch);
        state.enter();
        try {
            state.execution(batch).run(images, logits);
        } finally {
            state.exit();
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Classifies the remaining floats of {@code images} into the remaining floats of {@code logits};
     * positions are not moved. Buffers in any byte order are read and written correctly; direct
     * buffers in the native byte order take the fastest path.
     *
     * @param images its remaining floats: one or more images back to back
     * @param logits its remaining floats: exactly {@code batch * classes}
     * @throws IllegalArgumentException if a length does not fit or {@code logits} is read-only
     * @throws IllegalStateException if the session is closed or running on another thread
     */
    public void run(FloatBuffer images, FloatBuffer logits) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(logits, "logits");
        if (logits.isReadOnly()) {
            throw new IllegalArgumentException("logits buffer is read-only");
        }
        ByteOrder nativeOrder = ByteOrder.nativeOrder();
        if (images.order() == nativeOrder && logits.order() == nativeOrder) {
            run(MemorySegment.ofBuffer(images), MemorySegment.ofBuffer(logits));
            return;
        }
        // A view of a ByteBuffer in the other byte order: its raw bytes are not native floats, so
        // go through float arrays, which FloatBuffer's bulk get and put convert correctly.
        int batch = batchOf(images.remaining());
        checkLogits(logits.remaining(), batch);
        int in = batch * imageFloats;
        int out = batch * classes;
        if (orderedImages == null) {
            orderedImages = new float[maxBatch * imageFloats];
            orderedLogits = new float[maxBatch * classes];
        }
        images.get(images.position(), orderedImages, 0, in);
        run(MemorySegment.ofArray(orderedImages).asSlice(0, (long) in * Float.BYTES),
                MemorySegment.ofArray(orderedLogits).asSlice(0, (long) out * Float.BYTES));
        logits.put(logits.position(), orderedLogits, 0, out);
    }

    /**
     * Classifies the float32 images in {@code images} into {@code logits}: zero-copy and
     * allocation-free for segments of a confined arena of the calling thread (see the class
     * description); other segments are copied through the session's buffers.
     *
     * @param images float32 values (native byte order), one or more images back to back
     * @param logits exactly {@code batch * classes} float32 values, written image by image
     * @throws IllegalArgumentException if a size does not fit or {@code logits} is read-only
     * @throws IllegalStateException if the session is closed or running on another thread, or a segment's
     *         arena is closed
     * @throws WrongThreadException if a segment is confined to another thread
     */
    public void run(MemorySegment images, MemorySegment logits) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(logits, "logits");
        if (images.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException("images segment has " + images.byteSize() + " bytes, not a whole number of floats");
        }
        int batch = batchOf(images.byteSize() / Float.BYTES);
        if (logits.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException("logits segment has " + logits.byteSize() + " bytes, not a whole number of floats");
        }
        checkLogits(logits.byteSize() / Float.BYTES, batch);
        state.enter();
        try {
            state.execution(batch).run(images, logits);
        } finally {
            state.exit();
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Classifies {@code images} and returns new logits.
     *
     * @param images float32 values (native byte order), one or more images back to back
     * @return {@code batch * classes} logits, image by image
     * @throws IllegalArgumentException if the size is not a whole number of images, or more than the maximum batch
     * @throws IllegalStateException if the session is closed or running on another thread
     */
    public float[] run(MemorySegment images) {
        Objects.requireNonNull(images, "images");
        int batch = batchOf(images.byteSize() / Float.BYTES);
        float[] logits = new float[batch * classes];
        run(images, MemorySegment.ofArray(logits));
        return logits;
    }

    /**
     * The {@code k} most probable classes of one image, preprocessed with the model's own
     * {@link MobileNetV1#preprocessing() preprocessing}, most probable first. Allocates (the input
     * tensor, the logits, the result); use {@code run} on your own buffers for an allocation-free path.
     *
     * @param image a decoded RGB or grayscale image of any size
     * @param k how many classes to return (all of them if k exceeds the class count)
     * @return the predictions, most probable first, with softmax probabilities
     * @throws IllegalArgumentException if {@code k < 1} or the image's colour model is unsupported
     * @throws IllegalStateException if the session is closed or running on another thread
     */
    public List<Prediction> classify(BufferedImage image, int k) {
        float[] logits = run(model.preprocess(image));
        return Predictions.topK(logits, k, model.labels());
    }

    private int batchOf(long floats) {
        if (floats == 0 || floats % imageFloats != 0) {
            throw new IllegalArgumentException("input has " + floats + " floats, not a whole number of "
                    + model.config().inChannels() + "x" + model.config().resolution() + "x" + model.config().resolution()
                    + " images (" + imageFloats + " floats each)");
        }
        long batch = floats / imageFloats;
        if (batch > maxBatch) {
            throw new IllegalArgumentException("input holds " + batch + " images, more than the maximum batch size "
                    + maxBatch + " (set maxBatchSize on the builder)");
        }
        return (int) batch;
    }

    private void checkLogits(long floats, int batch) {
        if (floats != (long) batch * classes) {
            throw new IllegalArgumentException("logits hold " + floats + " floats; " + batch + " image(s) x " + classes
                    + " classes need " + (long) batch * classes);
        }
    }

    /**
     * The model this session runs.
     *
     * @return the model
     */
    public MobileNetV1 model() {
        return model;
    }

    /**
     * OpenMP threads this session's runs use.
     *
     * @return the thread count
     */
    public int threads() {
        return state.threads();
    }

    /**
     * Native bytes of this session's buffers: sized for the largest batch it has run.
     *
     * @return the bytes, 0 once closed
     */
    public long workspaceBytes() {
        return state.workspaceBytes();
    }

    /**
     * Whether this session is closed: by {@link #close()}, by its model's close, or by the cleaner.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return state.isClosed();
    }

    /**
     * Frees this session's buffers, after the run in progress (on another thread) if there is one.
     * A second call does nothing.
     */
    @Override
    public void close() {
        state.close("");
        cleanable.clean();
    }
}
