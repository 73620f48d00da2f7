package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Runs, session closes, model closes and closes of the callers' shared arenas from several threads
 * at random moments (bounded: 6 rounds of at most 400 operations or 2 seconds per thread). Asserts
 * no crash, no unexpected exception (only IllegalStateException saying "closed" or "another
 * thread"), every finished run equal to ONNX Runtime's logits, and nothing left open: every
 * session and the model report closed, their buffers freed.
 */
class LifecycleStressTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 6;
    private static final int OPS = 400;
    private static final long ROUND_NANOS = 2_000_000_000L;

    @Test
    void randomInterleavingsNeitherCrashNorLeakNorCorrupt() throws Exception {
        MobileNetV1.Builder builder = MobileNetV1.builder().widthMultiplier(0.25).resolution(64).classes(10).maxBatchSize(2)
                .threads(1);
        ModelConfig config = builder.config();
        Weights weights = Weights.random(config, 21);
        float[][] inputs = new float[4][];
        float[][] expected = new float[4][];
        try (OrtReference ort = OrtReference.of(config, weights, false)) {
            for (int i = 0; i < inputs.length; i++) {
                int batch = 1 + i % 2;
                inputs[i] = OrtReference.images(config, batch, 100 + i, 1.0);
                expected[i] = ort.run(inputs[i], batch);
            }
        }
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            for (int round = 0; round < ROUNDS; round++) {
                MobileNetV1 model = builder.from(weights);
                List<Session> sessions = new CopyOnWriteArrayList<>();
                CountDownLatch start = new CountDownLatch(1);
                int modelCloser = round % THREADS;
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = round * 100L + t;
                    boolean closesModel = t == modelCloser;
                    workers.add(pool.submit(() -> {
                        start.await();
                        work(model, sessions, inputs, expected, new SplittableRandom(seed), closesModel, runs, refused,
                                unexpected);
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> w : workers) {
                    w.get(300, TimeUnit.SECONDS);
                }
                model.close(); // whoever was meant to may not have got there
                assertTrue(model.isClosed());
                assertEquals(0, model.openSessions(), "round " + round);
                assertEquals(0L, model.parameterBytes(), "round " + round + ": weights freed");
                for (Session s : sessions) {
                    assertTrue(s.isClosed(), "round " + round + ": a session outlived its model");
                    assertEquals(0L, s.workspaceBytes(), "round " + round + ": session buffers freed");
                }
            }
        }
        System.out.printf("[LifecycleStressTest] %d runs finished and matched ORT, %d refused cleanly, %d unexpected%n",
                runs.get(), refused.get(), unexpected.size());
        if (!unexpected.isEmpty()) {
            AssertionError e = new AssertionError(unexpected.size() + " unexpected exception(s)");
            unexpected.forEach(e::addSuppressed);
            throw e;
        }
        assertTrue(runs.get() > 0, "some runs must have finished");
    }

    private static void work(MobileNetV1 model, List<Session> sessions, float[][] inputs, float[][] expected,
            SplittableRandom random, boolean closesModel, AtomicInteger runs, AtomicInteger refused,
            ConcurrentLinkedQueue<Throwable> unexpected) {
        long deadline = System.nanoTime() + ROUND_NANOS;
        int closeModelAt = closesModel ? 50 + random.nextInt(OPS - 50) : -1;
        Session mine = null;
        for (int op = 0; op < OPS && System.nanoTime() < deadline; op++) {
            try {
                if (op == closeModelAt) {
                    model.close();
                    continue;
                }
                int choice = random.nextInt(10);
                if (mine == null || choice == 0) {
                    mine = model.newSession();
                    sessions.add(mine);
                } else if (choice == 1) {
                    mine.close();
                } else if (choice == 2 && !sessions.isEmpty()) {
                    sessions.get(random.nextInt(sessions.size())).close(); // maybe another thread's, maybe running
                } else if (choice <= 5) {
                    int i = random.nextInt(inputs.length);
                    OrtReference.assertClose(expected[i], mine.run(inputs[i]), "float[] run");
                    runs.incrementAndGet();
                } else if (choice <= 7 && !sessions.isEmpty()) {
                    // Someone else's session: may be running on its owner's thread right now.
                    int i = random.nextInt(inputs.length);
                    OrtReference.assertClose(expected[i], sessions.get(random.nextInt(sessions.size())).run(inputs[i]),
                            "shared session run");
                    runs.incrementAndGet();
                } else {
                    runOnSharedArena(mine, inputs, expected, random, runs);
                }
            } catch (IllegalStateException e) {
                String m = String.valueOf(e.getMessage());
                if (m.contains("closed") || m.contains("another thread")) {
                    refused.incrementAndGet();
                } else {
                    unexpected.add(e);
                }
            } catch (Throwable e) {
                unexpected.add(e);
            }
        }
    }

    /** A run on a shared arena that a second thread closes at a random moment. */
    private static void runOnSharedArena(Session session, float[][] inputs, float[][] expected, SplittableRandom random,
            AtomicInteger runs) throws Exception {
        int i = random.nextInt(inputs.length);
        Arena arena = Arena.ofShared();
        MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, inputs[i]);
        MemorySegment out = arena.allocate((long) expected[i].length * Float.BYTES, 64);
        long delay = random.nextInt(500_000);
        // Parks rather than spins: on a loaded 2-core machine a spinning closer starves the run it races.
        Thread closer = Thread.ofPlatform().start(() -> {
            java.util.concurrent.locks.LockSupport.parkNanos(delay);
            while (true) {
                try {
                    arena.close();
                    return;
                } catch (IllegalStateException inUse) {
                    Thread.yield();
                }
            }
        });
        try {
            session.run(in, out);
            float[] got = out.toArray(ValueLayout.JAVA_FLOAT);
            OrtReference.assertClose(expected[i], got, "shared-arena run");
            runs.incrementAndGet();
        } finally {
            // JDK 25 quirk, seen here: closing a shared arena while this thread copies from it can leave this
            // thread's interrupt status set (the close's handshake); it is not a real interrupt, so clear it.
            Thread.interrupted();
            closer.join();
        }
    }
}
