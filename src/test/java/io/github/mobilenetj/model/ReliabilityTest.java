package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for the lifecycle and memory defects of issue 11: each failed (or crashed the
 * JVM) on the code before the fix. Results are checked against ONNX Runtime on the same weights.
 */
class ReliabilityTest {

    private static final int CLASSES = 10;
    private static MobileNetV1.Builder builder;
    private static ModelConfig config;
    private static Weights weights;
    private static OrtReference ort;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        builder = MobileNetV1.builder().widthMultiplier(0.25).resolution(96).classes(CLASSES).maxBatchSize(4);
        config = builder.config();
        weights = Weights.random(config, 11);
        ort = OrtReference.of(config, weights, false);
    }

    @AfterAll
    static void tearDown() {
        ort.close();
    }

    private static float[] images(int batch, long seed) {
        return OrtReference.images(config, batch, seed, 1.0);
    }

    // ---------------------------------------------------------------- 1: write-after-free

    /**
     * Defect 1: the caller's shared arena closed by another thread while the run is in oneDNN.
     * Before, oneDNN went on writing the logits into the freed memory (and the JVM died in 4 of 8
     * runs); now segments another thread could free are copied through the session's buffers, so
     * the close either waits for a copy, or the run fails cleanly with IllegalStateException. A
     * hundred rounds with the close at varying moments: no crash, every finished run is right.
     */
    @Test
    void closingTheCallersSharedArenaMidRunNeverLetsOneDnnTouchFreedMemory() throws Exception {
        float[] input = images(4, 3);
        float[] expected = ort.run(input, 4);
        int ok = 0;
        int refused = 0;
        try (MobileNetV1 model = builder.from(weights); Session session = model.newSession();
                ExecutorService closer = Executors.newSingleThreadExecutor()) {
            session.run(input); // compile outside the rounds
            for (int round = 0; round < 100; round++) {
                Arena shared = Arena.ofShared();
                MemorySegment in = shared.allocateFrom(ValueLayout.JAVA_FLOAT, input);
                MemorySegment out = shared.allocate((long) expected.length * Float.BYTES, 64);
                long delayNanos = round * 20_000L; // 0 to 2 ms: before, during and after the oneDNN part
                CountDownLatch started = new CountDownLatch(1);
                Future<?> close = closer.submit(() -> {
                    started.await();
                    // Parks rather than spins: a spinning closer would starve the run on a loaded 2-core machine.
                    java.util.concurrent.locks.LockSupport.parkNanos(delayNanos);
                    while (true) {
                        try {
                            shared.close();
                            return null;
                        } catch (IllegalStateException acquired) {
                            Thread.yield(); // a copy holds the segment: try again
                        }
                    }
                });
                started.countDown();
                try {
                    session.run(in, out);
                    float[] got = out.toArray(ValueLayout.JAVA_FLOAT); // throws if closed meanwhile
                    OrtReference.assertClose(expected, got, "round " + round);
                    ok++;
                } catch (IllegalStateException closed) {
                    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                    refused++;
                }
                // JDK 25 quirk, seen here: closing a shared arena while another thread copies from it can leave
                // that thread's interrupt status set (the close's handshake). It is the JDK's, not a real interrupt.
                Thread.interrupted();
                close.get(120, TimeUnit.SECONDS);
                // The session is unharmed whatever happened.
                OrtReference.assertClose(expected, session.run(input), "after round " + round);
            }
        }
        System.out.printf("[ReliabilityTest] shared arena closed mid-run: %d runs finished, %d failed cleanly%n", ok, refused);
        assertEquals(100, ok + refused);
    }

    /** Confined segments of the calling thread (which cannot be closed during the run) still go in place, allocation-free. */
    @Test
    void confinedSegmentsStayZeroCopyAndAllocationFree() {
        float[] input = images(1, 4);
        float[] expected = ort.run(input, 1);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (MobileNetV1 model = builder.from(weights); Session session = model.newSession();
                Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, input);
            MemorySegment out = arena.allocate(CLASSES * Float.BYTES, 64);
            // Steady state: the JIT needs a while (longer on a loaded machine) before the interpreter's and
            // C1's allocations disappear, so up to 10 windows of 1000 runs, and one must allocate nothing.
            long allocated = -1;
            for (int window = 0; window < 10 && allocated != 0; window++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1000; i++) {
                    session.run(in, out);
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            OrtReference.assertClose(expected, out.toArray(ValueLayout.JAVA_FLOAT), "confined");
            assertEquals(0, allocated, "bytes allocated by 1000 zero-copy runs once warm");
        }
    }

    // ---------------------------------------------------------------- 3, 4: races on one session

    /**
     * Defect 3: two threads making a fresh session's first run at once both created an execution;
     * one leaked, and the model could never be closed again. Now the second thread is refused (or
     * runs after the first), nothing leaks, and the model closes.
     */
    @Test
    void firstRunRaceLeaksNothing() throws Exception {
        float[] input = images(2, 5);
        float[] expected = ort.run(input, 2);
        AtomicInteger refused = new AtomicInteger();
        MobileNetV1 model = builder.from(weights);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int trial = 0; trial < 100; trial++) {
                Session session = model.newSession();
                CyclicBarrier barrier = new CyclicBarrier(2);
                List<Future<float[]>> runs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    runs.add(pool.submit(() -> {
                        barrier.await();
                        try {
                            return session.run(input);
                        } catch (IllegalStateException busy) {
                            assertTrue(busy.getMessage().contains("another thread"), busy.getMessage());
                            refused.incrementAndGet();
                            return null;
                        }
                    }));
                }
                for (Future<float[]> run : runs) {
                    float[] got = run.get(300, TimeUnit.SECONDS);
                    if (got != null) {
                        OrtReference.assertClose(expected, got, "trial " + trial);
                    }
                }
                session.close();
            }
        }
        assertEquals(0, model.openSessions());
        assertDoesNotThrow(model::close, "the model closes after the races");
        assertTrue(model.isClosed());
        System.out.println("[ReliabilityTest] first-run race: " + refused.get() + " of 200 runs refused as concurrent");
    }

    /**
     * Defect 4: {@code session.close()} during a run on another thread was refused once and then
     * ignored forever (the running execution was never freed). Now close waits for the run, the run
     * finishes correctly, and everything is freed.
     */
    @Test
    void closeDuringARunWaitsForItAndFreesEverything() throws Exception {
        MobileNetV1.Builder big = MobileNetV1.builder().widthMultiplier(1.0).resolution(224).classes(CLASSES).maxBatchSize(8);
        ModelConfig bigConfig = big.config();
        Weights bigWeights = Weights.random(bigConfig, 12);
        float[] input = OrtReference.images(bigConfig, 8, 6, 1.0);
        float[] expected;
        try (OrtReference bigOrt = OrtReference.of(bigConfig, bigWeights, false)) {
            expected = bigOrt.run(input, 8);
        }
        MobileNetV1 model = big.from(bigWeights);
        Session session = model.newSession();
        session.run(input); // compiled and warm
        try (ExecutorService runner = Executors.newSingleThreadExecutor()) {
            for (int round = 0; round < 5; round++) {
                Session s = round == 0 ? session : model.newSession();
                s.run(input);
                CountDownLatch inRun = new CountDownLatch(1);
                Future<float[]> run = runner.submit(() -> {
                    inRun.countDown();
                    return s.run(input); // a batch of 8 at 224: tens of milliseconds
                });
                inRun.await();
                Thread.sleep(round * 3L);
                s.close(); // waits for the run in progress, if it started
                assertTrue(s.isClosed());
                try {
                    OrtReference.assertClose(expected, run.get(300, TimeUnit.SECONDS), "run overlapped by close " + round);
                } catch (java.util.concurrent.ExecutionException e) {
                    // The close won the race before the run started: the run is refused as closed, cleanly.
                    assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("closed"),
                            e.getCause().toString());
                }
                assertEquals(0L, s.workspaceBytes(), "the closed session's buffers are freed");
                assertThrows(IllegalStateException.class, () -> s.run(input));
            }
        }
        assertEquals(0, model.openSessions());
        model.close();
        assertTrue(model.isClosed());
    }

    // ---------------------------------------------------------------- the safety net

    /**
     * A session (and a model) that a program forgets to close is freed by the cleaner once it is
     * unreachable, with a warning in the log naming what was leaked.
     */
    @Test
    void forgottenSessionsAndModelsAreFreedWithAWarning() throws Exception {
        java.util.logging.Logger sessionLog = java.util.logging.Logger.getLogger(Session.class.getName());
        java.util.logging.Logger modelLog = java.util.logging.Logger.getLogger(MobileNetV1.class.getName());
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        sessionLog.addHandler(handler);
        modelLog.addHandler(handler);
        try {
            MobileNetV1 model = builder.from(weights);
            forgetASession(model);
            assertEquals(1, model.openSessions());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (model.openSessions() > 0 && System.nanoTime() < until) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(0, model.openSessions(), "the cleaner closed the forgotten session");
            assertTrue(warnings.stream().anyMatch(w -> w.startsWith("WARNING") && w.contains("session of MobileNetV1")
                    && w.contains("never closed")), warnings.toString());

            java.lang.ref.WeakReference<MobileNetV1> forgotten = new java.lang.ref.WeakReference<>(model);
            ModelState state = model.state();
            model = null;
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!state.isClosed() && System.nanoTime() < until) {
                System.gc();
                Thread.sleep(20);
            }
            assertTrue(forgotten.refersTo(null) && state.isClosed(), "the cleaner closed the forgotten model");
            assertTrue(warnings.stream().anyMatch(w -> w.startsWith("WARNING") && w.contains("MobileNetV1 α 0.25")
                    && w.contains("was never closed")), warnings.toString());
        } finally {
            sessionLog.removeHandler(handler);
            modelLog.removeHandler(handler);
        }
    }

    private static void forgetASession(MobileNetV1 model) {
        Session session = model.newSession();
        session.run(images(1, 9));
    }

    // ---------------------------------------------------------------- 9: thread counts

    @Test
    void threadCountsAreCappedToTheProcessors() {
        try (MobileNetV1 model = builder.from(weights)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.newSession(1000));
            assertTrue(e.getMessage().contains("threads must be in 1.." + MobileNetV1.maxThreads()), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
            assertEquals(0, model.openSessions());
        }
    }

    // ---------------------------------------------------------------- 11, 12: memory

    /**
     * Defect 11: a large classifier (100,000 classes: 102 MB of float32 weights) was held three
     * times on the Java heap (file values, folded copy, upload) and failed under -Xmx512m. Now every
     * tensor goes from the mapped file into native memory: loading allocates a few MB on the heap,
     * whatever the weights' size.
     */
    @Test
    void loadingLargeWeightsDoesNotCopyThemOntoTheHeap() throws IOException {
        ModelConfig wide = MobileNetV1.builder().widthMultiplier(0.25).resolution(32).classes(100_000).config();
        Path file = dir.resolve("wide.safetensors");
        Weights.random(wide, 13).save(file, DType.F32, Map.of());
        long fcBytes = 100_000L * 256 * Float.BYTES;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try (MobileNetV1 model = MobileNetV1.builder().resolution(32).load(file)) {
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(100_000, model.config().classes());
            System.out.printf("[ReliabilityTest] loading %d MB of weights allocated %.1f MB on the heap%n",
                    fcBytes >> 20, allocated / 1048576.0);
            assertTrue(allocated < fcBytes / 4, "heap bytes allocated while loading: " + allocated
                    + " (the classifier alone is " + fcBytes + ")");
            // Its labels are made on demand: a million-class model costs nothing here either.
            assertEquals("class 99999", model.labels().name(99_999));
        }
    }

    /**
     * Defect 12: each (batch size, thread count) compiled its own copy of the weights, kept until
     * the model closed: batch sizes 1 to 16 retained 1.19 GB at α 1.0. Now networks share the
     * model's copies; a second copy exists only for a layer whose weights oneDNN lays out
     * differently for some shape.
     */
    @Test
    void networksForManyBatchSizesAndThreadCountsShareTheWeights() {
        MobileNetV1.Builder b = MobileNetV1.builder().widthMultiplier(0.5).resolution(96).classes(CLASSES).maxBatchSize(8)
                .threads(1);
        try (MobileNetV1 model = b.from(Weights.random(b.config(), 14))) {
            long single = model.parameterBytes();
            for (int threads = 1; threads <= MobileNetV1.maxThreads(); threads++) {
                try (Session session = model.newSession(threads)) {
                    for (int batch = 1; batch <= 8; batch++) {
                        session.run(new float[batch * model.config().imageSize()]);
                    }
                }
            }
            int networks = model.state().networkCount();
            long all = model.parameterBytes();
            System.out.printf("[ReliabilityTest] %d networks hold %.1f MB of weights (one network: %.1f MB)%n", networks,
                    all / 1e6, single / 1e6);
            assertEquals(8 * MobileNetV1.maxThreads(), networks);
            assertTrue(all <= 2 * single, networks + " networks hold " + all + " bytes of weights, one holds " + single);
        }
    }
}
