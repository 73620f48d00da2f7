package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (a Spark executor, or the driver in local mode): one {@link MobileNetV1}
 * per {@link ModelSpec}, loaded lazily by the first task that needs it and shared by every task
 * after it, and a pool of {@link Worker}s (a session and its batch buffers), one per task running
 * at once.
 *
 * <p>A task borrows a worker for its whole partition and gives it back when it completes, so an
 * executor with {@code n} task slots opens at most {@code n} sessions, whatever its thread pool
 * does (Spark's task threads come and go; a thread-local session would outlive its thread until
 * the model closes).
 *
 * <p>{@link #closeAll()} frees every model and session (their native memory): {@link MobileNetPlugin}
 * calls it when Spark stops the executor.
 */
public final class ExecutorModels {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<ModelSpec, Entry> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicInteger SESSIONS = new AtomicInteger();

    private ExecutorModels() {
    }

    /** Models loaded in this JVM since it started (each load is logged). */
    public static int loads() {
        return LOADS.get();
    }

    /** Sessions opened in this JVM since it started. */
    public static int sessionsOpened() {
        return SESSIONS.get();
    }

    /** The models loaded and not closed. */
    public static List<MobileNetV1> openModels() {
        List<MobileNetV1> open = new ArrayList<>();
        for (Entry e : MODELS.values()) {
            MobileNetV1 m = e.model;
            if (m != null && !m.isClosed()) {
                open.add(m);
            }
        }
        return open;
    }

    /**
     * Closes every model of this JVM (each waits for the runs in progress, then frees its sessions,
     * weights and engine) and forgets them: a later task loads its model again.
     */
    public static void closeAll() {
        for (ModelSpec spec : List.copyOf(MODELS.keySet())) {
            Entry entry = MODELS.remove(spec);
            if (entry != null) {
                entry.close();
            }
        }
    }

    /**
     * A worker of the model for {@code spec}, loading the model first if no task of this JVM has.
     * Give it back with {@link Worker#release()}.
     *
     * @param onLoad told the model's description when this call loaded it
     */
    static Worker acquire(ModelSpec spec, Consumer<String> onLoad) {
        Entry entry = MODELS.computeIfAbsent(spec, Entry::new);
        return entry.acquire(onLoad);
    }

    /** One model and its idle workers. */
    private static final class Entry {
        private final ModelSpec spec;
        private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
        private volatile MobileNetV1 model;
        private boolean closed;

        Entry(ModelSpec spec) {
            this.spec = spec;
        }

        Worker acquire(Consumer<String> onLoad) {
            Worker worker = idle.pollFirst();
            if (worker != null) {
                return worker;
            }
            MobileNetV1 m = model(onLoad);
            SESSIONS.incrementAndGet();
            return new Worker(this, m, m.newSession());
        }

        /** Loads the model once; concurrent first tasks wait for the one that loads it. */
        private synchronized MobileNetV1 model(Consumer<String> onLoad) {
            if (closed) {
                throw new IllegalStateException("the models of this executor are closed (the executor is stopping)");
            }
            if (model == null) {
                long start = System.nanoTime();
                try {
                    model = spec.load();
                } catch (IOException e) {
                    throw new UncheckedIOException("could not load the model " + spec + ": " + e.getMessage(), e);
                }
                int n = LOADS.incrementAndGet();
                String description = model + " from " + spec;
                LOG.info("mobilenetj: loaded {} in {} ms (model load {} in this JVM)", description,
                        (System.nanoTime() - start) / 1_000_000, n);
                onLoad.accept(description);
            }
            return model;
        }

        void release(Worker worker) {
            synchronized (this) {
                if (!closed) {
                    idle.offerFirst(worker);
                    return;
                }
            }
            worker.session.close();
        }

        synchronized void close() {
            closed = true;
            idle.clear();
            if (model != null) {
                model.close(); // closes the sessions too, after any run in progress
                LOG.info("mobilenetj: closed {}", model);
            }
        }
    }

    /** A session of an executor-wide model and the float buffers of one batch: used by one task at a time. */
    static final class Worker {
        private final Entry entry;
        final MobileNetV1 model;
        final Session session;
        final float[] input;
        final float[] logits;

        Worker(Entry entry, MobileNetV1 model, Session session) {
            this.entry = entry;
            this.model = model;
            this.session = session;
            int batch = model.config().maxBatchSize();
            this.input = new float[Math.multiplyExact(batch, model.config().imageSize())];
            this.logits = new float[Math.multiplyExact(batch, model.config().classes())];
        }

        /** Gives the worker back to the pool for the next task (or closes its session if the executor is stopping). */
        void release() {
            entry.release(this);
        }
    }
}
