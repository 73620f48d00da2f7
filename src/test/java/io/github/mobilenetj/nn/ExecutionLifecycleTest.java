package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Engine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle of {@link CompiledNetwork} and {@link Execution}: closing in the wrong order, use
 * after close and use from two threads at once all give {@link IllegalStateException}, never a
 * crash or a wrong result. (In this package rather than {@code dnnl} so that it can use {@link Naive}.)
 */
class ExecutionLifecycleTest {

    private static Engine engine;

    @BeforeAll
    static void createEngine() {
        engine = Engine.cpu();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    /** A network plus its input and naive expected output (NCHW). */
    private record Case(Sequential net, Shape input, float[] x, float[] want) {
    }

    private static Case small() {
        SplittableRandom r = new SplittableRandom(11);
        int cin = 4, cout = 6, h = 5, w = 7;
        float[] weights = Naive.random(r, cout * cin * 9, 1.0);
        float[] bias = Naive.random(r, cout, 1.0);
        float[] x = Naive.random(r, cin * h * w, 1.0);
        Conv2d conv = Conv2d.builder(cin, cout).kernel(3).padding(1).weights(weights).bias(bias)
                .activation(Activation.RELU).build();
        float[] want = Naive.activate(Naive.conv2d(x, 1, cin, h, w, weights, bias, cout, 3, 3, 1, 1, 1, 1, 1, 1),
                Activation.RELU);
        return new Case(Sequential.of(conv), Shape.of(1, cin, h, w), x, want);
    }

    private static Case large;

    /** Big enough that one run takes a while: conv 3x3 32->64 then 1x1 64->64 on 56x56. Computed once. */
    private static synchronized Case large() {
        if (large == null) {
            large = computeLarge();
        }
        return large;
    }

    private static Case computeLarge() {
        SplittableRandom r = new SplittableRandom(12);
        int cin = 32, mid = 64, cout = 64, h = 56, w = 56;
        float[] w1 = Naive.random(r, mid * cin * 9, 0.2);
        float[] b1 = Naive.random(r, mid, 0.5);
        float[] w2 = Naive.random(r, cout * mid, 0.2);
        float[] x = Naive.random(r, cin * h * w, 1.0);
        Conv2d c1 = Conv2d.builder(cin, mid).kernel(3).padding(1).weights(w1).bias(b1).activation(Activation.RELU).build();
        Conv2d c2 = Conv2d.pointwise(mid, cout).weights(w2).activation(Activation.RELU6).build();
        float[] y = Naive.activate(Naive.conv2d(x, 1, cin, h, w, w1, b1, mid, 3, 3, 1, 1, 1, 1, 1, 1), Activation.RELU);
        float[] want = Naive.activate(Naive.conv2d(y, 1, mid, h, w, w2, null, cout, 1, 1, 1, 0, 0, 0, 0, 1),
                Activation.RELU6);
        return new Case(Sequential.of(c1, c2), Shape.of(1, cin, h, w), x, want);
    }

    private static boolean close(float[] want, float[] got) {
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(want));
        return Naive.maxAbsDiff(want, got) <= tolerance;
    }

    private static void assertRight(Case c, float[] got) {
        float tolerance = 1e-4f * Math.max(1f, Naive.maxAbs(c.want()));
        float error = Naive.maxAbsDiff(c.want(), got);
        assertTrue(error <= tolerance, "max abs error " + error + " > " + tolerance);
    }

    private static float[] run(Execution exec, Case c) {
        float[] got = new float[c.want().length];
        exec.run(c.x(), got);
        return got;
    }

    // ---------------------------------------------------------------- close order

    @Test
    void networkRefusesToCloseWhileAnExecutionIsOpen() {
        Case c = small();
        CompiledNetwork net = c.net().compile(engine, c.input(), Layout.NCHW, Layout.NCHW);
        Execution exec = net.newExecution();
        IllegalStateException e = assertThrows(IllegalStateException.class, net::close);
        assertTrue(e.getMessage().contains("still open"), e.getMessage());
        assertFalse(net.isClosed());

        // The refused close did not damage anything.
        assertRight(c, run(exec, c));

        exec.close();
        net.close();
        assertTrue(net.isClosed());
        assertDoesNotThrow(net::close, "second close is a no-op");
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> net.newExecution());
        assertTrue(again.getMessage().contains("closed"), again.getMessage());
    }

    @Test
    void closingAnExecutionTwiceCountsOnce() {
        Case c = small();
        CompiledNetwork net = c.net().compile(engine, c.input(), Layout.NHWC, Layout.NHWC);
        Execution first = net.newExecution();
        Execution second = net.newExecution();
        first.close();
        first.close(); // must not release the second execution's claim on the network
        assertThrows(IllegalStateException.class, net::close);
        float[] got = new float[c.want().length];
        second.run(Naive.toNhwc(c.x(), 1, 4, 5, 7), got);
        assertRight(new Case(c.net(), c.input(), c.x(), Naive.toNhwc(c.want(), 1, 6, 5, 7)), got);
        second.close();
        net.close();
        assertTrue(net.isClosed());
    }

    @Test
    void runAfterCloseIsRefused() {
        Case c = small();
        try (CompiledNetwork net = c.net().compile(engine, c.input(), Layout.NCHW, Layout.NCHW);
                Arena arena = Arena.ofConfined()) {
            Execution exec = net.newExecution();
            assertRight(c, run(exec, c));
            exec.close();
            assertDoesNotThrow(exec::close, "second close is a no-op");

            float[] out = new float[c.want().length];
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> exec.run(c.x(), out));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            MemorySegment in = arena.allocateFrom(ValueLayout.JAVA_FLOAT, c.x());
            MemorySegment outSeg = arena.allocate(out.length * 4L, 64);
            assertThrows(IllegalStateException.class, () -> exec.run(in, outSeg));
            Tensor tIn = new Tensor(in, c.input(), Layout.NCHW);
            Tensor tOut = new Tensor(outSeg, net.outputShape(), Layout.NCHW);
            assertThrows(IllegalStateException.class, () -> exec.run(tIn, tOut));

            // The network itself is fine: a new execution runs.
            try (Execution fresh = net.newExecution()) {
                assertRight(c, run(fresh, c));
            }
        }
    }

    // ---------------------------------------------------------------- two threads

    /**
     * Two threads share one execution. Whenever one is inside run(), the other's attempt must be
     * refused with IllegalStateException; every run that was let through must be right.
     * Nothing is assumed about how often they collide.
     */
    @Test
    void concurrentUseOfOneExecutionIsRefusedNotCorrupted() throws Exception {
        Case c = large();
        try (CompiledNetwork net = c.net().compile(engine, c.input(), Layout.NCHW, Layout.NCHW);
                Execution exec = net.newExecution()) {
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger succeeded = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            CountDownLatch start = new CountDownLatch(1);

            // true when the run got through
            BooleanSupplier attempt = () -> {
                float[] out = new float[c.want().length];
                try {
                    exec.run(c.x(), out);
                    succeeded.incrementAndGet();
                    if (!close(c.want(), out)) {
                        wrong.incrementAndGet();
                    }
                    return true;
                } catch (IllegalStateException e) {
                    refused.incrementAndGet();
                    if (e.getMessage() == null || !e.getMessage().contains("another thread")) {
                        unexpected.add(e);
                    }
                } catch (Throwable t) {
                    unexpected.add(t);
                }
                return false;
            };
            Thread runner = new Thread(() -> {
                try {
                    start.await();
                    // Until 8 of its own runs got through (bounded, in case the intruder always wins).
                    int mine = 0;
                    for (int i = 0; i < 20_000 && mine < 8; i++) {
                        if (attempt.getAsBoolean()) {
                            mine++;
                        } else {
                            Thread.yield();
                        }
                    }
                } catch (InterruptedException e) {
                    unexpected.add(e);
                } finally {
                    done.set(true);
                }
            }, "runner");
            Thread intruder = new Thread(() -> {
                try {
                    start.await();
                    while (!done.get()) {
                        attempt.getAsBoolean();
                        Thread.yield();
                    }
                } catch (InterruptedException e) {
                    unexpected.add(e);
                }
            }, "intruder");
            runner.start();
            intruder.start();
            start.countDown();
            runner.join(120_000);
            intruder.join(120_000);
            assertFalse(runner.isAlive() || intruder.isAlive(), "threads did not finish");

            assertTrue(unexpected.isEmpty(), "failures other than IllegalStateException: " + List.copyOf(unexpected));
            assertTrue(succeeded.get() > 0, "no run got through");
            assertTrue(wrong.get() == 0, wrong.get() + " of " + succeeded.get() + " successful runs were wrong ("
                    + refused.get() + " refused)");
            // Still usable afterwards.
            assertRight(c, run(exec, c));
        }
    }

    /** Closing while another thread runs is refused; once a close succeeds, later runs are refused. */
    @Test
    void closeWhileRunningOnAnotherThreadIsRefused() throws Exception {
        Case c = large();
        try (CompiledNetwork net = c.net().compile(engine, c.input(), Layout.NCHW, Layout.NCHW)) {
            Execution exec = net.newExecution();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger wrong = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            float[][] outputs = new float[10][c.want().length];
            Thread runner = new Thread(() -> {
                try {
                    // Back to back, checked only afterwards, so that the execution is idle as little as possible.
                    for (float[] out : outputs) {
                        try {
                            exec.run(c.x(), out);
                            completed.incrementAndGet();
                        } catch (IllegalStateException e) {
                            if (e.getMessage() == null || !e.getMessage().contains("closed")) {
                                unexpected.add(e);
                            }
                        }
                    }
                } catch (Throwable t) {
                    unexpected.add(t);
                } finally {
                    done.set(true);
                }
            }, "runner");
            runner.start();
            // Let one run complete, then try to close as the runner goes; refusals are expected while it is inside run().
            while (completed.get() == 0 && !done.get()) {
                Thread.sleep(1);
            }
            boolean closed = false;
            int refusals = 0;
            while (!closed && !done.get()) {
                try {
                    exec.close();
                    closed = true;
                } catch (IllegalStateException e) {
                    assertNotNull(e.getMessage());
                    assertTrue(e.getMessage().contains("running"), e.getMessage());
                    refusals++;
                    // Give the runner some completed runs before the close gets through.
                    if (refusals < 200) {
                        Thread.onSpinWait();
                    } else {
                        Thread.sleep(1);
                    }
                }
            }
            runner.join(120_000);
            assertFalse(runner.isAlive(), "runner did not finish");
            exec.close(); // closes it if the runner finished first, otherwise a no-op
            assertTrue(unexpected.isEmpty(), "unexpected failures: " + List.copyOf(unexpected));
            for (int i = 0; i < completed.get(); i++) {
                if (!close(c.want(), outputs[i])) {
                    wrong.incrementAndGet();
                }
            }
            assertTrue(wrong.get() == 0, wrong.get() + " of " + completed.get() + " results were wrong");
            assertThrows(IllegalStateException.class, () -> exec.run(c.x(), new float[c.want().length]));
        }
    }
}
