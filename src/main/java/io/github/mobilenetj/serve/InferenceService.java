package io.github.mobilenetj.serve;

import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import io.github.mobilenetj.model.MobileNetV1;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves one shared {@link MobileNetV1} to many concurrent callers: a bounded queue in front of
 * {@code K} worker threads, each owning a {@link io.github.mobilenetj.model.Session} of {@code T}
 * OpenMP threads ({@code K x T} at most the processors available), with Triton-style
 * micro-batching, per-request deadlines, warm-up and a graceful close. The workers are platform
 * daemon threads named {@code mobilenetj-serve-worker-0} to {@code -(K-1)}, beside one
 * {@code mobilenetj-serve-deadlines} thread that fails expired requests.
 *
 * {@snippet class=io.github.mobilenetj.serve.ServiceSnippets region=service}
 *
 * <p><b>Admission.</b> Every {@code submit} copies its input (a {@code float[]}, a
 * {@link MemorySegment}, or an image preprocessed with the model's own
 * {@link MobileNetV1#preprocessing() preprocessing}) into the service's own native buffer on the
 * calling thread, so the caller may reuse or free its input as soon as {@code submit} returns, and
 * then queues it. The queue holds at most {@link #queueCapacity()} images, counting those other
 * callers are still copying in; when it has fewer free places than the request has images,
 * {@code submit} throws {@link QueueFullException} at once (a request of more images than the
 * capacity is refused with {@link IllegalArgumentException}, since it could never fit). After
 * {@link #close()} began, or after warm-up failed, it throws {@link ServiceClosedException}. No
 * caller ever waits for room, and no caller thread runs native code.
 *
 * <p><b>Deadlines.</b> A request may carry a timeout (else the builder's {@link Builder#timeout
 * default}), counted from its admission by {@code submit}. If it is still queued when the timeout
 * elapses, its future fails with {@link DeadlineExceededException} at that moment and it never
 * runs. A request that has started running is not interrupted; an image counts as started once a
 * worker has taken it into a batch, so with a {@link Builder#maxQueueDelay(Duration) queue delay}
 * a request taken while the worker waits for its batch to fill runs even if its deadline passes
 * during that wait. Cancelling (or completing) the returned future likewise keeps a queued request
 * from running; its images keep their places in the queue until a worker or the deadline thread
 * next passes over them.
 *
 * <p><b>Micro-batching.</b> A worker takes up to {@link #maxBatch()} queued images and runs them
 * as one batch; with a {@link Builder#maxQueueDelay(Duration) queue delay} above zero (default
 * zero, as Triton's {@code max_queue_delay_microseconds}) it waits up to that long after the
 * oldest one's admission for more to arrive. The images of one request may run in different
 * batches, even on different workers. Every batch size from 1 to {@code maxBatch} is compiled and
 * run once on each worker's own thread before the service is {@link #isReady() ready}.
 *
 * <p><b>Results.</b> A future completes with the logits, {@code classes} floats per image, on the
 * worker thread that ran the last of its images. Callbacks attached with the non-async
 * {@code CompletableFuture} methods then run on that worker and hold it up: attach slow work
 * with the {@code ...Async} variants. (A future failed at its deadline completes on the deadline
 * thread or a worker, one failed by a close on the thread calling {@code close}.) Apart from the
 * future and its logits (and an {@code int[]} for a request of several images), a request of a
 * {@code float[]} or a {@link MemorySegment} allocates nothing on the Java heap; an image request
 * also allocates what its preprocessing needs.
 *
 * <p><b>Closing.</b> {@link #close()} stops admitting, lets the workers finish everything queued,
 * then closes the sessions and frees the service's native memory; {@link #close(Duration)} fails
 * what is still queued after a grace period. The model is the caller's: close it after the service.
 *
 * <p>Thread-safe.
 */
public final class InferenceService implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(InferenceService.class.getName());
    private static final long NO_DEADLINE = Long.MAX_VALUE;
    /** A duration longer than any wait. */
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
    /** The largest native buffer the queue may take. */
    static final long MAX_BUFFER_BYTES = 8L << 30;
    /** The largest queue capacity, in images. */
    public static final int MAX_QUEUE_CAPACITY = 1 << 20;

    private static final int OPEN = 0;
    /** Closing: no new requests; what is queued (or being copied in) still runs. */
    private static final int DRAINING = 1;
    /** Closing: queued requests are failed; only running batches finish. */
    private static final int FAILING = 2;
    /** Workers and watcher gone or going; nobody touches the slab any more. */
    private static final int STOPPED = 3;

    private final MobileNetV1 model;
    private final int workers;
    private final int threads;
    private final int maxBatch;
    private final int capacity;
    private final long maxQueueDelayNanos;
    private final long defaultTimeoutNanos;
    private final int imageFloats;
    private final int classes;
    private final long imageBytes;
    private final String name;

    // The queue: a ring of image entries, guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    /** Workers wait here for entries (or for the close). */
    private final Condition work = lock.newCondition();
    /** close() waits here until nothing is queued, being copied in or running. */
    private final Condition idle = lock.newCondition();
    /** The deadline watcher waits here until the earliest deadline. */
    private final Condition watch = lock.newCondition();
    private final Pending[] queuePending;
    private final int[] queueImage;
    private final int[] queueSlot;
    private int head;
    private int waiting;
    private int filling;
    private int running;
    private final int[] freeSlots;
    private int free;
    private int state = OPEN;
    private String closedBecause = "";
    private Throwable startFailure;
    private long watchTarget = NO_DEADLINE;

    private final Arena slabArena;
    private final MemorySegment slab;
    private final QueueFullException queueFull;
    private final Worker[] workerList;
    private final Thread watcher;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean drainedCleanly = true;

    // Counters for ServiceStats.
    private final LongAdder submitted = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder closedCount = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder imagesDone = new LongAdder();
    private final LongAdder batchesDone = new LongAdder();
    private final AtomicLongArray batchSizes;
    private final LatencyHistogram.Recorder queueTime = new LatencyHistogram.Recorder();
    private final LatencyHistogram.Recorder computeTime = new LatencyHistogram.Recorder();
    private final LatencyHistogram.Recorder requestTime = new LatencyHistogram.Recorder();

    private InferenceService(Builder b) {
        this.model = b.model;
        this.threads = b.threads;
        this.workers = b.workers > 0 ? b.workers : Math.max(1, MobileNetV1.maxThreads() / threads);
        this.maxBatch = b.maxBatch > 0 ? b.maxBatch : model.config().maxBatchSize();
        this.capacity = b.queueCapacity > 0 ? b.queueCapacity : defaultQueueCapacity(workers, maxBatch);
        this.maxQueueDelayNanos = b.maxQueueDelayNanos;
        this.defaultTimeoutNanos = b.timeoutNanos;
        this.name = b.name != null ? b.name : "inference service of " + model;
        if ((long) workers * threads > MobileNetV1.maxThreads()) {
            throw new IllegalArgumentException(workers + " workers x " + threads + " threads = " + (long) workers * threads
                    + " threads, more than the " + MobileNetV1.maxThreads()
                    + " processors available to this JVM; lower workers or threads");
        }
        int modelBatch = model.config().maxBatchSize();
        if (maxBatch > modelBatch) {
            throw new IllegalArgumentException("maxBatch " + maxBatch + " exceeds the model's maximum batch size " + modelBatch
                    + "; build the model with MobileNetV1.builder().maxBatchSize(" + maxBatch + ")");
        }
        if (capacity > MAX_QUEUE_CAPACITY) {
            throw new IllegalArgumentException("queue capacity must be in 1.." + MAX_QUEUE_CAPACITY + ", got " + capacity);
        }
        this.imageFloats = model.config().imageSize();
        this.classes = model.config().classes();
        this.imageBytes = (long) imageFloats * Float.BYTES;
        int slots = Math.addExact(capacity, Math.multiplyExact(workers, maxBatch));
        long slabBytes = slots * imageBytes;
        if (slabBytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("a queue of " + capacity + " images plus " + workers + " x " + maxBatch
                    + " in the workers needs " + slabBytes + " bytes of input buffers (" + imageBytes + " per image), more than "
                    + MAX_BUFFER_BYTES + "; lower the queue capacity");
        }
        if (model.isClosed()) {
            throw new IllegalStateException(model + " is closed");
        }
        this.queuePending = new Pending[capacity];
        this.queueImage = new int[capacity];
        this.queueSlot = new int[capacity];
        this.freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeSlots[i] = slots - 1 - i;
        }
        this.free = slots;
        this.batchSizes = new AtomicLongArray(maxBatch + 1);
        this.queueFull = new QueueFullException(capacity);
        this.slabArena = Arena.ofShared();
        try {
            this.slab = slabArena.allocate(slabBytes, 64);
            this.workerList = new Worker[workers];
            for (int i = 0; i < workers; i++) {
                workerList[i] = new Worker(i);
            }
            this.watcher = Thread.ofPlatform().daemon().name(threadName("deadlines")).unstarted(this::watchDeadlines);
        } catch (RuntimeException | Error e) {
            slabArena.close();
            throw e;
        }
        watcher.start();
        for (Worker w : workerList) {
            w.thread.start();
        }
    }

    /** The default queue capacity: enough to keep every worker busy with full batches four times over. */
    static int defaultQueueCapacity(int workers, int maxBatch) {
        return Math.max(16, 4 * workers * maxBatch);
    }

    private String threadName(String role) {
        return "mobilenetj-serve-" + role;
    }

    /**
     * A builder for a service over {@code model} (which the service never closes).
     *
     * @param model the model every worker opens its session on; it must still be open when
     *     {@link Builder#build()} is called, and stay open until the service is closed
     * @return a builder with every setting at its default (see {@link Builder})
     * @throws NullPointerException if {@code model} is null
     */
    public static Builder builder(MobileNetV1 model) {
        return new Builder(model);
    }

    // ---------------------------------------------------------------- submitting

    /**
     * {@link #submit(float[], Duration)} with the builder's default timeout.
     *
     * @param images one or more images back to back, {@link io.github.mobilenetj.model.ModelConfig#imageSize()}
     *     floats each in the model's {@link io.github.mobilenetj.model.ModelConfig#inputLayout() input layout};
     *     copied before this returns, so the caller keeps the array and may change it at once
     * @return the future of the logits, as {@link #submit(float[], Duration)}
     * @throws IllegalArgumentException if the length is zero or not a whole number of images, or the
     *     request holds more images than {@link #queueCapacity()}
     * @throws QueueFullException if the queue has fewer free places than the request has images
     * @throws ServiceClosedException if the service is closing or closed, or its warm-up failed
     */
    public CompletableFuture<float[]> submit(float[] images) {
        return submit(images, null);
    }

    /**
     * Queues the images in {@code images} (one or more, in the model's input layout, back to back;
     * copied before this returns) and returns the future of their logits ({@code classes} floats per
     * image, in order).
     *
     * @param images one or more images back to back, {@link io.github.mobilenetj.model.ModelConfig#imageSize()}
     *     floats each in the model's {@link io.github.mobilenetj.model.ModelConfig#inputLayout() input layout};
     *     copied into the service's buffer before this returns, so the caller keeps the array and may
     *     change it at once
     * @param timeout how long the request may wait in the queue, counted from this call; {@code null}
     *     for the builder's {@link #defaultTimeout() default}; a duration of {@link Long#MAX_VALUE}
     *     nanoseconds or more means none
     * @return a future completed with a new array of {@code classes} logits per image, image
     *     {@code i}'s from index {@code i x classes}, which the caller then owns; or failed with
     *     {@link DeadlineExceededException} (still queued at the timeout), {@link ServiceClosedException}
     *     (still queued, or still being copied in, when a close's grace period ended) or
     *     {@link InferenceServiceException} (the inference failed; the cause attached). Cancelling it
     *     keeps the request from running if it is still queued.
     * @throws IllegalArgumentException if the length is zero or not a whole number of images, the
     *     request holds more images than {@link #queueCapacity()} (so it could never fit), or
     *     {@code timeout} is zero or negative
     * @throws QueueFullException if the queue has fewer free places than the request has images now
     * @throws ServiceClosedException if the service is closing or closed, or its warm-up failed (the
     *     cause attached)
     * @throws NullPointerException if {@code images} is null
     */
    public CompletableFuture<float[]> submit(float[] images, Duration timeout) {
        Objects.requireNonNull(images, "images");
        int count = imageCount(images.length);
        Pending p = admit(count, timeoutNanos(timeout));
        try {
            for (int i = 0; i < count; i++) {
                MemorySegment.copy(images, i * imageFloats, slab, ValueLayout.JAVA_FLOAT, slotOffset(p.slot(i)), imageFloats);
            }
        } catch (RuntimeException | Error e) {
            abandon(p);
            throw e;
        }
        enqueue(p);
        return p;
    }

    /**
     * Queues the float32 images (native byte order) in {@code images}: the segment is read on the
     * calling thread before this returns, so a segment of a confined arena is fine and may be freed
     * at once. Otherwise as {@link #submit(float[], Duration)}.
     *
     * @param images one or more images back to back, native or heap, any alignment:
     *     {@link io.github.mobilenetj.model.ModelConfig#imageSize()} native-order float32 values each,
     *     in the model's {@link io.github.mobilenetj.model.ModelConfig#inputLayout() input layout};
     *     read whole before this returns, after which the caller may change or free it
     * @param timeout how long the request may wait in the queue, counted from this call; {@code null}
     *     for the builder's {@link #defaultTimeout() default}
     * @return the future of the logits, as {@link #submit(float[], Duration)}
     * @throws IllegalArgumentException if the size is zero or not a whole number of images, the
     *     request holds more images than {@link #queueCapacity()}, or {@code timeout} is zero or
     *     negative
     * @throws QueueFullException if the queue has fewer free places than the request has images now
     * @throws ServiceClosedException if the service is closing or closed, or its warm-up failed
     * @throws WrongThreadException if the segment is confined to another thread; nothing is queued then
     * @throws IllegalStateException if the segment's arena is already closed; nothing is queued then
     * @throws NullPointerException if {@code images} is null
     */
    public CompletableFuture<float[]> submit(MemorySegment images, Duration timeout) {
        Objects.requireNonNull(images, "images");
        if (images.byteSize() % Float.BYTES != 0) {
            throw new IllegalArgumentException("images segment has " + images.byteSize()
                    + " bytes, not a whole number of floats");
        }
        int count = imageCount(images.byteSize() / Float.BYTES);
        Pending p = admit(count, timeoutNanos(timeout));
        try {
            for (int i = 0; i < count; i++) {
                MemorySegment.copy(images, i * imageBytes, slab, slotOffset(p.slot(i)), imageBytes);
            }
        } catch (RuntimeException | Error e) {
            abandon(p);
            throw e;
        }
        enqueue(p);
        return p;
    }

    /**
     * {@link #submit(List, Duration)} of one image.
     *
     * @param image a decoded image of any size the model's preprocessing takes; read on the calling
     *     thread and not kept, so the caller may change it once this returns
     * @param timeout how long the request may wait in the queue, counted from this call; {@code null}
     *     for the builder's {@link #defaultTimeout() default}
     * @return a future completed with the image's {@code classes} logits in a new array, or failed
     *     as described at {@link #submit(float[], Duration)}
     * @throws UnsupportedOperationException if the model has no image preprocessing (its input is
     *     not a 1- or 3-channel image)
     * @throws IllegalArgumentException if the image cannot be preprocessed (e.g. a CMYK image), or
     *     {@code timeout} is zero or negative; nothing is queued then
     * @throws QueueFullException if the queue has no free place now
     * @throws ServiceClosedException if the service is closing or closed, or its warm-up failed
     * @throws NullPointerException if {@code image} is null
     */
    public CompletableFuture<float[]> submit(BufferedImage image, Duration timeout) {
        return submit(List.of(Objects.requireNonNull(image, "image")), timeout);
    }

    /**
     * Queues decoded images, preprocessed on the calling thread with the model's own
     * {@link MobileNetV1#preprocessing() preprocessing} straight into the service's buffer (never
     * on an inference worker). Decode files or request bodies first with
     * {@link io.github.mobilenetj.image.ImageFiles}.
     *
     * @param images one or more decoded images, each of any size the model's preprocessing takes;
     *     read on the calling thread and not kept, so the caller may change the list and the images
     *     once this returns
     * @param timeout how long the request may wait in the queue, counted from this call; {@code null}
     *     for the builder's {@link #defaultTimeout() default}
     * @return a future completed with a new array of {@code images.size() x classes} logits, in the
     *     list's order, or failed as described at {@link #submit(float[], Duration)}
     * @throws UnsupportedOperationException if the model has no image preprocessing (its input is
     *     not a 1- or 3-channel image)
     * @throws IllegalArgumentException if the list is empty, an image cannot be preprocessed (e.g. a
     *     CMYK image), there are more images than {@link #queueCapacity()}, or {@code timeout} is
     *     zero or negative; nothing is queued then
     * @throws QueueFullException if the queue has fewer free places than there are images now
     * @throws ServiceClosedException if the service is closing or closed, or its warm-up failed
     * @throws NullPointerException if {@code images} or one of its elements is null
     */
    public CompletableFuture<float[]> submit(List<BufferedImage> images, Duration timeout) {
        Objects.requireNonNull(images, "images");
        var transform = model.preprocessing();
        int count = images.size();
        if (count == 0) {
            throw new IllegalArgumentException("no images");
        }
        checkFits(count);
        for (BufferedImage image : images) {
            Objects.requireNonNull(image, "image");
        }
        Pending p = admit(count, timeoutNanos(timeout));
        try {
            for (int i = 0; i < count; i++) {
                transform.apply(images.get(i), model.config().inputLayout(), slab, slotOffset(p.slot(i)));
            }
        } catch (RuntimeException | Error e) {
            abandon(p);
            throw e;
        }
        enqueue(p);
        return p;
    }

    // ---------------------------------------------------------------- blocking conveniences

    /**
     * Runs {@code images} through the queue and waits for the logits: {@link #submit(float[], Duration)}
     * with the default timeout, then waits for the future and throws its failure itself, not
     * wrapped in an {@link ExecutionException} or {@link java.util.concurrent.CompletionException}.
     *
     * @param images one or more images back to back, as for {@link #submit(float[], Duration)};
     *     copied before the request is queued, so the caller keeps the array
     * @return a new array of {@code classes} logits per image, image {@code i}'s from index
     *     {@code i x classes}
     * @throws IllegalArgumentException if the length is zero or not a whole number of images, or
     *     the request holds more images than {@link #queueCapacity()}
     * @throws QueueFullException if the queue has no room
     * @throws DeadlineExceededException if the default timeout passed while it was queued
     * @throws ServiceClosedException if the service is closing, closed or failed to start, or the
     *     request was still queued when a close's grace period ended
     * @throws InferenceServiceException if the inference itself failed (the cause attached)
     * @throws InterruptedException if interrupted while waiting (the request is then cancelled: it
     *     does not run if still queued, and its logits are dropped if it is already running)
     * @throws NullPointerException if {@code images} is null
     */
    public float[] run(float[] images) throws InterruptedException {
        return await(submit(images, null));
    }

    /**
     * {@link #run(float[])} with a timeout.
     *
     * @param images one or more images back to back, as for {@link #submit(float[], Duration)};
     *     copied before the request is queued, so the caller keeps the array
     * @param timeout how long the request may wait in the queue, counted from this call; {@code null}
     *     for the builder's {@link #defaultTimeout() default}. It limits the wait in the queue only:
     *     once running, the request is waited for until it completes.
     * @return a new array of {@code classes} logits per image, image {@code i}'s from index
     *     {@code i x classes}
     * @throws IllegalArgumentException as {@link #run(float[])}, or if {@code timeout} is zero or negative
     * @throws QueueFullException if the queue has no room
     * @throws DeadlineExceededException if the timeout passed while the request was queued
     * @throws ServiceClosedException if the service is closing, closed or failed to start, or the
     *     request was still queued when a close's grace period ended
     * @throws InferenceServiceException if the inference itself failed (the cause attached)
     * @throws InterruptedException if interrupted while waiting (the request is then cancelled: it
     *     does not run if still queued, and its logits are dropped if it is already running)
     */
    public float[] run(float[] images, Duration timeout) throws InterruptedException {
        return await(submit(images, timeout));
    }

    /**
     * The {@code k} most probable classes of one image, most probable first (softmax
     * probabilities, the model's labels), waiting for the answer: {@link #submit(BufferedImage,
     * Duration)} with the default timeout, then {@link Predictions#topK(float[], int,
     * io.github.mobilenetj.image.Labels)} of the logits.
     *
     * @param image a decoded image of any size the model's preprocessing takes; preprocessed on
     *     the calling thread and not kept
     * @param k how many classes to return, at least 1; more than the model's class count returns
     *     every class
     * @return {@code min(k, classes)} predictions, most probable first (equal logits by lower class
     *     index), in an unmodifiable list
     * @throws IllegalArgumentException if {@code k < 1} (checked before anything is queued), the
     *     image cannot be preprocessed, or a logit came out NaN or infinite
     * @throws UnsupportedOperationException if the model has no image preprocessing
     * @throws QueueFullException if the queue has no free place
     * @throws DeadlineExceededException if the default timeout passed while it was queued
     * @throws ServiceClosedException if the service is closing, closed or failed to start, or the
     *     request was still queued when a close's grace period ended
     * @throws InferenceServiceException if the inference itself failed (the cause attached)
     * @throws InterruptedException if interrupted while waiting (the request is then cancelled)
     * @throws NullPointerException if {@code image} is null
     */
    public List<Prediction> classify(BufferedImage image, int k) throws InterruptedException {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        float[] logits = await(submit(image, null));
        return Predictions.topK(logits, k, model.labels());
    }

    private static float[] await(CompletableFuture<float[]> future) throws InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InferenceServiceException s) {
                throw s;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new InferenceServiceException("inference failed: " + cause, cause);
        }
    }

    // ---------------------------------------------------------------- the queue

    private int imageCount(long floats) {
        if (floats == 0 || floats % imageFloats != 0) {
            throw new IllegalArgumentException("input has " + floats + " floats, not a whole number of "
                    + model.config().inChannels() + "x" + model.config().resolution() + "x" + model.config().resolution()
                    + " images (" + imageFloats + " floats each)");
        }
        long count = floats / imageFloats;
        checkFits(count);
        return (int) count;
    }

    private void checkFits(long count) {
        if (count > capacity) {
            throw new IllegalArgumentException("a request of " + count + " images can never fit in the queue of "
                    + capacity + " images; split it or raise queueCapacity");
        }
    }

    private long timeoutNanos(Duration timeout) {
        if (timeout == null) {
            return defaultTimeoutNanos;
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return saturatedNanos(timeout);
    }

    static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    private long slotOffset(int slot) {
        return slot * imageBytes;
    }

    /** Reserves room and slots for {@code count} images, or throws. */
    private Pending admit(int count, long timeout) {
        int[] slots = count > 1 ? new int[count] : null;
        int first;
        lock.lock();
        try {
            if (state != OPEN) {
                closedCount.increment();
                throw closedException();
            }
            if (count > capacity - waiting - filling) {
                rejected.increment();
                throw queueFull;
            }
            filling += count;
            first = freeSlots[--free];
            if (slots != null) {
                slots[0] = first;
                for (int i = 1; i < count; i++) {
                    slots[i] = freeSlots[--free];
                }
            }
        } finally {
            lock.unlock();
        }
        long now = System.nanoTime();
        long deadline = timeout == Long.MAX_VALUE || now + timeout < now ? NO_DEADLINE : now + timeout;
        return new Pending(count, first, slots, classes, now, deadline, timeout);
    }

    private ServiceClosedException closedException() {
        return startFailure != null
                ? new ServiceClosedException(name + " failed to start: " + startFailure, startFailure)
                : new ServiceClosedException(name + " is closed" + (closedBecause.isEmpty() ? "" : " (" + closedBecause + ")"));
    }

    /** Gives back what {@link #admit} reserved, when copying the input in failed. */
    private void abandon(Pending p) {
        lock.lock();
        try {
            filling -= p.images;
            for (int i = 0; i < p.images; i++) {
                freeSlots[free++] = p.slot(i);
            }
            signalIfClosing();
        } finally {
            lock.unlock();
        }
    }

    private void enqueue(Pending p) {
        boolean refused = false;
        lock.lock();
        try {
            filling -= p.images;
            if (state >= FAILING) {
                for (int i = 0; i < p.images; i++) {
                    freeSlots[free++] = p.slot(i);
                }
                refused = true;
                signalIfClosing();
            } else {
                int capacityLeft = capacity - waiting;
                assert capacityLeft >= p.images;
                for (int i = 0; i < p.images; i++) {
                    int at = (head + waiting) % capacity;
                    queuePending[at] = p;
                    queueImage[at] = i;
                    queueSlot[at] = p.slot(i);
                    waiting++;
                }
                submitted.increment();
                if (p.images == 1) {
                    work.signal();
                } else {
                    work.signalAll();
                }
                if (p.deadline < watchTarget) {
                    watch.signal();
                }
            }
        } finally {
            lock.unlock();
        }
        if (refused && p.claim()) {
            closedCount.increment();
            p.fail(new ServiceClosedException(name + " closed before the request could be queued"));
        }
    }

    /** Called with the lock held wherever queued, copying or running images may have dropped to zero. */
    private void signalIfClosing() {
        if (state != OPEN) {
            idle.signalAll();
            work.signalAll();
        }
    }

    /** Removes the head entry; returns its pending. Lock held. */
    private Pending pollHead(Worker w, int into) {
        Pending p = queuePending[head];
        w.batchPending[into] = p;
        w.batchImage[into] = queueImage[head];
        w.batchSlot[into] = queueSlot[head];
        queuePending[head] = null;
        head = (head + 1) % capacity;
        waiting--;
        return p;
    }

    /**
     * Takes the next batch for {@code w} into its batch arrays, after giving back the slots of its
     * previous batch. Returns the number of images; 0 when there are only expired requests to fail
     * (in {@code w.expired}); -1 when the worker should stop.
     */
    private int take(Worker w) {
        lock.lock();
        try {
            for (int i = 0; i < w.held; i++) {
                freeSlots[free++] = w.batchSlot[i];
            }
            running -= w.held;
            w.held = 0;
            signalIfClosing();
            while (true) {
                if (waiting == 0) {
                    if (state >= FAILING || (state == DRAINING && filling == 0)) {
                        return -1;
                    }
                    work.awaitUninterruptibly();
                    continue;
                }
                long now = System.nanoTime();
                int n = drainInto(w, 0, now);
                if (n > 0 && n < maxBatch && maxQueueDelayNanos > 0 && state == OPEN) {
                    long until = w.batchPending[0].submitted + maxQueueDelayNanos;
                    while (n < maxBatch && state == OPEN) {
                        long left = until - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        if (waiting == 0) {
                            try {
                                work.awaitNanos(left);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                break;
                            }
                        }
                        n = drainInto(w, n, System.nanoTime());
                    }
                }
                if (n > 0) {
                    running += n;
                    w.held = n;
                    return n;
                }
                signalIfClosing();
                if (!w.expired.isEmpty()) {
                    return 0; // fail them now, not when the next batch comes
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves queued images into {@code w}'s batch from position {@code n} up to {@link #maxBatch},
     * dropping those whose request is done (cancelled, failed) or expired (collected in
     * {@code w.expired} to be failed outside the lock). Lock held. Returns the new batch size.
     */
    private int drainInto(Worker w, int n, long now) {
        while (n < maxBatch && waiting > 0) {
            int slot = queueSlot[head];
            Pending p = pollHead(w, n);
            if (p.isDone() || p.deadline <= now) {
                freeSlots[free++] = slot;
                if (!p.isDone()) {
                    w.expired.add(p);
                } else if (!p.failedByService && !p.cancelCounted) {
                    p.cancelCounted = true;
                    cancelled.increment();
                }
                w.batchPending[n] = null;
                continue;
            }
            n++;
        }
        return n;
    }

    private void failExpired(List<Pending> expired) {
        if (expired.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (Pending p : expired) {
            if (p.claim()) {
                timedOut.increment();
                p.fail(new DeadlineExceededException(p.timeoutNanos, now - p.submitted));
            }
        }
        expired.clear();
    }

    /** The deadline watcher: fails queued requests at their deadline, so that callers learn at once. */
    private void watchDeadlines() {
        List<Pending> expired = new ArrayList<>();
        lock.lock();
        try {
            while (state != STOPPED) {
                long now = System.nanoTime();
                long earliest = NO_DEADLINE;
                int kept = 0;
                for (int k = 0; k < waiting; k++) {
                    int from = (head + k) % capacity;
                    Pending p = queuePending[from];
                    if (p.isDone() || p.deadline <= now) {
                        freeSlots[free++] = queueSlot[from];
                        if (!p.isDone()) {
                            expired.add(p);
                        } else if (!p.failedByService && !p.cancelCounted) {
                            p.cancelCounted = true;
                            cancelled.increment();
                        }
                        continue;
                    }
                    earliest = Math.min(earliest, p.deadline);
                    int to = (head + kept) % capacity;
                    if (to != from) {
                        queuePending[to] = p;
                        queueImage[to] = queueImage[from];
                        queueSlot[to] = queueSlot[from];
                    }
                    kept++;
                }
                for (int k = kept; k < waiting; k++) {
                    queuePending[(head + k) % capacity] = null;
                }
                waiting = kept;
                if (!expired.isEmpty()) {
                    signalIfClosing();
                    lock.unlock();
                    try {
                        failExpired(expired);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                watchTarget = earliest;
                try {
                    if (earliest == NO_DEADLINE) {
                        watch.await();
                    } else {
                        watch.awaitNanos(earliest - now);
                    }
                } catch (InterruptedException e) {
                    // only close() stops the watcher
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- workers

    /** One worker: a platform thread with its own session, confined buffers and OpenMP team. */
    private final class Worker implements Runnable {
        final Thread thread;
        final Pending[] batchPending = new Pending[maxBatch];
        final int[] batchImage = new int[maxBatch];
        final int[] batchSlot = new int[maxBatch];
        final List<Pending> expired = new ArrayList<>();
        /** Images of the last batch whose slots are still held (given back by the next take). */
        int held;

        Worker(int index) {
            // A platform thread: an OpenMP team belongs to an OS thread, and a virtual thread may change carriers.
            this.thread = Thread.ofPlatform().daemon().name(threadName("worker-" + index)).unstarted(this);
        }

        @Override
        public void run() {
            boolean warmed = false;
            try (Arena arena = Arena.ofConfined();
                 var session = model.newSession(threads)) {
                // Confined to this thread: the session reads and writes them in place.
                MemorySegment input = arena.allocate(maxBatch * imageBytes, 64);
                MemorySegment logits = arena.allocate((long) maxBatch * classes * Float.BYTES, 64);
                // The views of each batch size, made once: a run then allocates nothing.
                MemorySegment[] inputs = new MemorySegment[maxBatch + 1];
                MemorySegment[] outputs = new MemorySegment[maxBatch + 1];
                for (int b = 1; b <= maxBatch; b++) {
                    inputs[b] = input.asSlice(0, b * imageBytes);
                    outputs[b] = logits.asSlice(0, (long) b * classes * Float.BYTES);
                }
                // Warm-up on this thread: compiles each batch size's network (shared through the model) and builds
                // this session's executions and this thread's OpenMP team before the first request.
                for (int b = 1; b <= maxBatch; b++) {
                    session.run(inputs[b], outputs[b]);
                }
                warmed = true;
                workerWarmed();
                while (true) {
                    int n = take(this);
                    failExpired(expired);
                    if (n < 0) {
                        break;
                    }
                    if (n > 0) {
                        runBatch(session, input, inputs[n], logits, outputs[n], n);
                    }
                }
            } catch (Throwable t) {
                if (!warmed) {
                    startFailed(t);
                } else {
                    LOG.log(System.Logger.Level.ERROR, thread.getName() + " of " + name + " stopped", t);
                }
            }
        }

        private void runBatch(io.github.mobilenetj.model.Session session, MemorySegment input, MemorySegment batchInput,
                MemorySegment logits, MemorySegment batchLogits, int n) {
            long start = System.nanoTime();
            Throwable failure = null;
            try {
                for (int i = 0; i < n; i++) {
                    MemorySegment.copy(slab, slotOffset(batchSlot[i]), input, i * imageBytes, imageBytes);
                    queueTime.record(start - batchPending[i].submitted);
                }
                session.run(batchInput, batchLogits);
                for (int i = 0; i < n; i++) {
                    Pending p = batchPending[i];
                    MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT, (long) i * classes * Float.BYTES, p.logits,
                            batchImage[i] * classes, classes);
                }
            } catch (Throwable t) {
                failure = t;
            }
            long end = System.nanoTime();
            computeTime.record(end - start);
            batchesDone.increment();
            batchSizes.incrementAndGet(n);
            for (int i = 0; i < n; i++) {
                Pending p = batchPending[i];
                batchPending[i] = null;
                if (failure != null) {
                    if (p.claim()) {
                        failed.increment();
                        p.fail(new InferenceServiceException("inference failed: " + failure, failure));
                    }
                } else {
                    imagesDone.increment();
                    if (p.imageDone() && p.claim()) {
                        requestTime.record(end - p.submitted);
                        succeeded.increment();
                        p.complete(p.logits);
                    }
                }
            }
        }
    }

    private final CountDownLatch warming = new CountDownLatch(1);
    private int warmedWorkers;

    private void workerWarmed() {
        boolean all;
        lock.lock();
        try {
            all = ++warmedWorkers == workers;
        } finally {
            lock.unlock();
        }
        if (all) {
            ready.complete(null);
            warming.countDown();
        }
    }

    private void startFailed(Throwable t) {
        List<Pending> queued = new ArrayList<>();
        lock.lock();
        try {
            if (startFailure == null) {
                startFailure = t;
            }
            if (state < FAILING) {
                state = FAILING;
                closedBecause = "warm-up failed";
            }
            removeAllQueued(queued);
            work.signalAll();
            idle.signalAll();
        } finally {
            lock.unlock();
        }
        failAll(queued, new ServiceClosedException(name + " failed to start: " + t, t));
        ready.completeExceptionally(t);
        warming.countDown();
    }

    /** Empties the queue into {@code into} (each request once), giving back the slots. Lock held. */
    private void removeAllQueued(List<Pending> into) {
        while (waiting > 0) {
            Pending p = queuePending[head];
            freeSlots[free++] = queueSlot[head];
            queuePending[head] = null;
            head = (head + 1) % capacity;
            waiting--;
            if (into.isEmpty() || into.getLast() != p) {
                into.add(p);
            }
        }
    }

    private void failAll(List<Pending> requests, ServiceClosedException cause) {
        for (Pending p : requests) {
            if (p.claim()) {
                closedCount.increment();
                p.fail(cause);
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * True once every worker is warmed up, until the service starts closing.
     *
     * @return true if every worker has compiled and run each batch size and neither a close nor a
     *     warm-up failure has stopped admission; false while warming up, after a failed warm-up and
     *     from the moment {@link #close(Duration)} begins
     */
    public boolean isReady() {
        lock.lock();
        try {
            return state == OPEN && ready.isDone() && !ready.isCompletedExceptionally();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Completes when every worker has warmed up; fails if warm-up failed.
     *
     * @return a new future on every call (a copy: completing or cancelling it changes neither the
     *     service nor other callers' futures), completed with {@code null} when the last worker has
     *     warmed up, or failed with the exception that stopped a worker's warm-up if one failed
     *     (then the service refuses requests and should be closed), or with a
     *     {@link ServiceClosedException} if a close finds it still pending
     */
    public CompletableFuture<Void> ready() {
        return ready.copy();
    }

    /**
     * Waits until every worker has warmed up (compiled and run each batch size on its own thread).
     * Requests submitted earlier wait in the queue meanwhile. Returns immediately if warm-up has
     * already succeeded, even if the service has been closed since.
     *
     * @throws ServiceClosedException if warm-up failed (the cause attached); close the service then,
     *     to free its native memory
     * @throws InterruptedException if the calling thread is interrupted on entry or while waiting
     *     (its interrupt status is then cleared)
     */
    public void awaitReady() throws InterruptedException {
        warming.await();
        if (ready.isCompletedExceptionally()) {
            Throwable cause;
            lock.lock();
            try {
                cause = startFailure;
            } finally {
                lock.unlock();
            }
            throw new ServiceClosedException(name + " failed to start: " + cause, cause);
        }
    }

    /**
     * {@link #awaitReady()} with a limit; false if it ran out.
     *
     * @param limit the longest time to wait; zero or negative only checks, without waiting
     * @return true if every worker has warmed up, false if warm-up was still going on when the
     *     limit ran out
     * @throws ServiceClosedException if warm-up failed (the cause attached); close the service then
     * @throws InterruptedException if the calling thread is interrupted on entry or while waiting
     *     (its interrupt status is then cleared)
     * @throws NullPointerException if {@code limit} is null
     */
    public boolean awaitReady(Duration limit) throws InterruptedException {
        if (!warming.await(saturatedNanos(limit), TimeUnit.NANOSECONDS)) {
            return false;
        }
        awaitReady();
        return true;
    }

    /**
     * Stops admitting, runs everything already queued, then stops the workers and frees the
     * service's native memory. The model stays open. A second call waits for the first.
     * {@link #close(Duration)} with an unlimited grace period: see there for the details (waiting
     * for warm-up, interrupts, and why a worker thread cannot call it).
     *
     * @throws IllegalStateException if called on a worker thread of this service
     */
    @Override
    public void close() {
        close(FOREVER);
    }

    /**
     * Stops admitting ({@link ServiceClosedException}), lets the workers run what is queued for up
     * to {@code grace}, fails what is still queued after that with {@link ServiceClosedException},
     * waits for the batches already running (native inference cannot be interrupted), then frees
     * the sessions and buffers. A second call waits for the first to finish and returns its
     * result (its own {@code grace} is ignored).
     *
     * <p>Requests being copied in by a {@code submit} when admission stops are still queued; any
     * still being copied in when the grace period ends get a future already failed with
     * {@link ServiceClosedException}. If the workers are still warming up, this also waits for
     * warm-up to end, since a compilation cannot be stopped. Waiting is not interruptible: an
     * interrupt is remembered and the thread's interrupt status set again before this returns.
     * Called from one of the service's own threads (a callback attached to a request's future with a
     * non-async method runs on a worker), it throws instead of waiting for itself forever.
     *
     * @param grace how long to let the workers run what is queued; zero or negative fails
     *     everything queued at once, {@link Long#MAX_VALUE} nanoseconds or more waits without limit
     * @return false if requests were still queued (or being copied in) when the grace period ended
     *     and were failed with {@link ServiceClosedException}; true otherwise, which includes
     *     requests that expired or were cancelled while queued, and those a failed warm-up had
     *     already failed
     * @throws NullPointerException if {@code grace} is null
     * @throws IllegalStateException if called on a worker thread of this service (or its deadline
     *     thread); the service is then not closed
     */
    public boolean close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        Thread current = Thread.currentThread();
        if (current == watcher || java.util.Arrays.stream(workerList).anyMatch(w -> w.thread == current)) {
            throw new IllegalStateException(current.getName() + " cannot close " + name + ": it is one of the service's"
                    + " own threads, and close waits for them (attach callbacks with the *Async methods of"
                    + " CompletableFuture, or close from another thread)");
        }
        boolean first;
        lock.lock();
        try {
            // One critical section: whoever sees isClosed() and then takes the lock (submit, isReady) finds
            // admission stopped.
            first = closeStarted.compareAndSet(false, true);
            if (first && state == OPEN) {
                state = DRAINING;
                closedBecause = "closing";
            }
        } finally {
            lock.unlock();
        }
        if (!first) {
            awaitUninterruptibly(terminated);
            return drainedCleanly;
        }
        boolean interrupted = false;
        List<Pending> leftover = new ArrayList<>();
        lock.lock();
        try {
            work.signalAll();
            long start = System.nanoTime();
            long allowed = grace.isNegative() ? 0 : saturatedNanos(grace);
            while (state == DRAINING && waiting + filling + running > 0) {
                long left = allowed - (System.nanoTime() - start);
                if (left <= 0) {
                    break;
                }
                try {
                    idle.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (waiting + filling > 0) {
                drainedCleanly = false;
            }
            state = FAILING;
            closedBecause = "closed";
            removeAllQueued(leftover);
            work.signalAll();
        } finally {
            lock.unlock();
        }
        failAll(leftover, new ServiceClosedException(name + " closed before the request ran"));
        for (Worker w : workerList) {
            interrupted |= joinUninterruptibly(w.thread);
        }
        lock.lock();
        try {
            // Callers still copying into the slab finish (and find the service closed) before it is freed.
            while (filling > 0) {
                idle.awaitUninterruptibly();
            }
            state = STOPPED;
            watch.signalAll();
        } finally {
            lock.unlock();
        }
        interrupted |= joinUninterruptibly(watcher);
        slabArena.close();
        if (!ready.isDone()) {
            ready.completeExceptionally(new ServiceClosedException(name + " was closed before it was ready"));
            warming.countDown();
        }
        terminated.countDown();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return drainedCleanly;
    }

    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * True once {@link #close()} has begun.
     *
     * @return true from the moment {@link #close()} or {@link #close(Duration)} is first called, even
     *     while it still drains the queue; false before, also after a failed warm-up (which refuses
     *     requests without closing: see {@link #isReady()})
     */
    public boolean isClosed() {
        return closeStarted.get();
    }

    // ---------------------------------------------------------------- settings and statistics

    /**
     * The model served.
     *
     * @return the model given to {@link #builder(MobileNetV1)}, which the service never closes
     */
    public MobileNetV1 model() {
        return model;
    }

    /**
     * Worker threads ({@code K}).
     *
     * @return the number of workers, each running one batch at a time: the builder's
     *     {@link Builder#workers(int)}, else the processors available divided by {@code T} (rounded
     *     down, at least 1)
     */
    public int workers() {
        return workers;
    }

    /**
     * OpenMP threads per worker ({@code T}).
     *
     * @return the OpenMP threads of each worker's session, 1 unless set by
     *     {@link Builder#threadsPerWorker(int)}
     */
    public int threadsPerWorker() {
        return threads;
    }

    /**
     * The largest batch a worker runs.
     *
     * @return the most images one batch holds: the builder's {@link Builder#maxBatch(int)}, else the
     *     model's {@link io.github.mobilenetj.model.ModelConfig#maxBatchSize()}
     */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * How long a worker waits for a batch to fill after its oldest image arrived.
     *
     * @return the queue delay, counted from the admission of the batch's oldest image;
     *     {@link Duration#ZERO} (the default) when a worker runs whatever is queued at once
     */
    public Duration maxQueueDelay() {
        return Duration.ofNanos(maxQueueDelayNanos);
    }

    /**
     * Images the queue holds at most; a request that does not fit is rejected.
     *
     * @return the capacity in images (not requests), counting images still being copied in by their
     *     {@code submit}; a request finding fewer free places than it has images gets a
     *     {@link QueueFullException}, one of more images than this an {@link IllegalArgumentException}
     */
    public int queueCapacity() {
        return capacity;
    }

    /**
     * The timeout of requests submitted without one; {@code null} for none.
     *
     * @return the builder's {@link Builder#timeout(Duration)}, or {@code null} if none was set (or one
     *     of {@link Long#MAX_VALUE} nanoseconds or more, which never expires)
     */
    public Duration defaultTimeout() {
        return defaultTimeoutNanos == Long.MAX_VALUE ? null : Duration.ofNanos(defaultTimeoutNanos);
    }

    /**
     * Native bytes of the service's input buffer (one image per queue place and per worker batch place).
     *
     * @return {@code (queueCapacity() + workers() x maxBatch()) x imageSize x 4} bytes, fixed at
     *     build time (at most 8 GiB); not counting each worker's own batch input and logits buffers
     *     nor the sessions' memory
     */
    public long bufferBytes() {
        return slab.byteSize();
    }

    /**
     * Images queued now.
     *
     * @return images waiting in the queue or being copied in by a {@code submit}, including those of
     *     cancelled requests not yet passed over; not counting images a worker has taken
     */
    public int queued() {
        lock.lock();
        try {
            return waiting + filling;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A snapshot of the counters and histograms.
     *
     * @return a new, immutable snapshot; {@code queued} and {@code running} are read together, the
     *     counters and histograms one after another, so under load they may differ by the requests
     *     that completed in between
     */
    public ServiceStats stats() {
        int q;
        int r;
        lock.lock();
        try {
            q = waiting + filling;
            r = running;
        } finally {
            lock.unlock();
        }
        long[] sizes = new long[batchSizes.length()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = batchSizes.get(i);
        }
        return new ServiceStats(submitted.sum(), succeeded.sum(), rejected.sum(), timedOut.sum(), failed.sum(),
                closedCount.sum(), cancelled.sum(), imagesDone.sum(), batchesDone.sum(), q, r, sizes, queueTime.snapshot(),
                computeTime.snapshot(), requestTime.snapshot());
    }

    @Override
    public String toString() {
        return name + " [" + workers + " worker(s) x " + threads + " thread(s), maxBatch " + maxBatch + ", queue " + capacity + "]";
    }


    /**
     * Settings of an {@link InferenceService}. Defaults (chosen by measurement on 2-core x86-64
     * machines; see {@code server/README.md}): one single-threaded worker per processor, batches up
     * to the model's {@code maxBatchSize} (1 unless the model was built for more), no queue delay,
     * a queue of {@code max(16, 4 x workers x maxBatch)} images, no timeout.
     *
     * <p>Each setter checks its own value at once; the checks across settings and against the model
     * happen in {@link #build()}. Not thread-safe; each {@code build()} starts a new service.
     */
    public static final class Builder {
        private final MobileNetV1 model;
        private int workers;
        private int threads = 1;
        private int maxBatch;
        private long maxQueueDelayNanos;
        private int queueCapacity;
        private long timeoutNanos = Long.MAX_VALUE;
        private String name;

        private Builder(MobileNetV1 model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /**
         * Worker threads ({@code K}), each running one batch at a time on its own session. Default:
         * the processors available divided by {@link #threadsPerWorker(int) T} (rounded down, at
         * least 1).
         *
         * @param count the number of workers {@code K}, 1 to {@link MobileNetV1#maxThreads()};
         *     {@link #build()} also refuses {@code K x T} above that
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= count <= MobileNetV1.maxThreads()}
         */
        public Builder workers(int count) {
            if (count < 1 || count > MobileNetV1.maxThreads()) {
                throw new IllegalArgumentException("workers must be in 1.." + MobileNetV1.maxThreads()
                        + " (the processors available to this JVM), got " + count);
            }
            workers = count;
            return this;
        }

        /**
         * OpenMP threads of each worker's session ({@code T}); {@code K x T} may not exceed
         * {@link MobileNetV1#maxThreads()}. Default 1: under load, single-threaded workers give the
         * most throughput and keep their latency when other processes compete for the cores.
         *
         * @param count OpenMP threads {@code T} per worker, 1 to {@link MobileNetV1#maxThreads()};
         *     warm-up compiles the model's networks for this count unless it already has them
         *     (they are cached in the model and shared by the workers)
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= count <= MobileNetV1.maxThreads()}
         *     ({@code K x T} too large is refused by {@link #build()})
         */
        public Builder threadsPerWorker(int count) {
            if (count < 1 || count > MobileNetV1.maxThreads()) {
                throw new IllegalArgumentException("threads per worker must be in 1.." + MobileNetV1.maxThreads()
                        + " (the processors available to this JVM), got " + count);
            }
            threads = count;
            return this;
        }

        /**
         * The largest batch a worker forms from queued images; at most the model's
         * {@code maxBatchSize}, which is the default. Batching pays for small models (many images
         * per second, each cheap) and not for MobileNetV1 1.0-224 on a 2-core CPU, where one image
         * already keeps a core busy for milliseconds.
         *
         * @param size the most images in one batch, at least 1 and at most the model's
         *     {@link io.github.mobilenetj.model.ModelConfig#maxBatchSize()} (checked by {@link #build()});
         *     every size up to it is compiled during warm-up
         * @return this builder
         * @throws IllegalArgumentException if {@code size < 1}
         */
        public Builder maxBatch(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, got " + size);
            }
            maxBatch = size;
            return this;
        }

        /**
         * How long a worker holding fewer than {@code maxBatch} images waits for more, counted from
         * the oldest one's arrival. Default zero: run what is queued. Once the service starts
         * closing, workers no longer wait.
         *
         * @param delay the wait, 0 to 10 s, counted from the admission of the batch's oldest image;
         *     its deadline is not checked again during the wait
         * @return this builder
         * @throws IllegalArgumentException if {@code delay} is negative or longer than 10 s
         * @throws NullPointerException if {@code delay} is null
         */
        public Builder maxQueueDelay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("maxQueueDelay must be in [0, 10 s], got " + delay);
            }
            maxQueueDelayNanos = delay.toNanos();
            return this;
        }

        /**
         * Images the queue may hold; more are rejected with {@link QueueFullException}. Default
         * {@code max(16, 4 x workers x maxBatch)}.
         *
         * @param images the capacity in images (a request of {@code n} images takes {@code n}
         *     places), 1 to {@link InferenceService#MAX_QUEUE_CAPACITY}; {@link #build()} also
         *     refuses a queue whose native input buffer ({@code capacity + workers x maxBatch}
         *     images) would exceed 8 GiB, about 14,000 images of 3x224x224
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= images <= MAX_QUEUE_CAPACITY}
         */
        public Builder queueCapacity(int images) {
            if (images < 1 || images > MAX_QUEUE_CAPACITY) {
                throw new IllegalArgumentException("queue capacity must be in 1.." + MAX_QUEUE_CAPACITY + ", got " + images);
            }
            queueCapacity = images;
            return this;
        }

        /**
         * The timeout of requests submitted without one. Default: none.
         *
         * @param timeout how long such a request may wait in the queue, counted from its
         *     {@code submit}; a duration of {@link Long#MAX_VALUE} nanoseconds (about 292 years) or
         *     more means none. Applies to {@code submit} without a timeout or with a {@code null} one,
         *     {@link InferenceService#run(float[])} and {@link InferenceService#classify(BufferedImage, int)}.
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            timeoutNanos = saturatedNanos(timeout);
            return this;
        }

        /**
         * A name for logs and exception messages. Default: derived from the model.
         *
         * @param serviceName the name, used in {@link InferenceService#toString()}, in the messages
         *     of {@link ServiceClosedException} and in the log of a worker that stopped; the threads
         *     are named {@code mobilenetj-serve-...} regardless. Default
         *     {@code "inference service of " + model}.
         * @return this builder
         * @throws NullPointerException if {@code serviceName} is null
         */
        public Builder name(String serviceName) {
            name = Objects.requireNonNull(serviceName, "name");
            return this;
        }

        /**
         * Starts the workers, which warm up in the background (see {@link InferenceService#awaitReady()});
         * requests submitted meanwhile are queued. Allocates the service's native input buffer
         * ({@link InferenceService#bufferBytes()}) and starts its threads.
         *
         * @return the new, running service, which the caller must close (before the model)
         * @throws IllegalArgumentException if {@code workers x threads} exceeds the processors, or
         *     {@code maxBatch} the model's maximum batch size, or the default queue capacity exceeds
         *     {@link InferenceService#MAX_QUEUE_CAPACITY}, or the input buffer would exceed 8 GiB
         * @throws IllegalStateException if the model is closed
         */
        public InferenceService build() {
            return new InferenceService(this);
        }
    }
}
