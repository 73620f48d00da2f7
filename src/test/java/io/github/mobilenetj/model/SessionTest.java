package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ways of feeding a {@link Session}, its argument checks and its life cycle; logits checked against ORT. */
class SessionTest {

    private static final int MAX_BATCH = 3;
    private static final int CLASSES = 10;

    private static ModelConfig config;
    private static Weights weights;
    private static MobileNetV1 model;
    private static OrtReference ort;
    private static int imageSize;

    @BeforeAll
    static void setUp() throws Exception {
        MobileNetV1.Builder builder = MobileNetV1.builder().widthMultiplier(0.25).resolution(64).classes(CLASSES)
                .maxBatchSize(MAX_BATCH);
        config = builder.config();
        weights = Weights.random(config, 2024);
        model = builder.from(weights);
        ort = OrtReference.of(config, weights, false);
        imageSize = model.config().imageSize();
        assertEquals(3 * 64 * 64, imageSize);
    }

    @AfterAll
    static void tearDown() {
        if (ort != null) {
            ort.close();
        }
        if (model != null) {
            model.close();
        }
    }

    private static float[] images(int batch, long seed) {
        return OrtReference.images(config, batch, seed, 1.0);
    }

    @Test
    void everyInputKindGivesOrtsLogits() {
        int batch = 2;
        float[] input = images(batch, 11);
        float[] expected = ort.run(input, batch);
        int n = input.length;
        int m = batch * CLASSES;
        try (Session session = model.newSession(); Arena arena = Arena.ofConfined()) {
            assertSame(model, session.model());
            // float[] returning and into a given array
            OrtReference.assertClose(expected, session.run(input), "float[]");
            float[] into = new float[m];
            session.run(input, into);
            OrtReference.assertClose(expected, into, "float[], float[]");

            // heap FloatBuffers
            FloatBuffer heapLogits = FloatBuffer.allocate(m);
            session.run(FloatBuffer.wrap(input), heapLogits);
            assertEquals(0, heapLogits.position(), "position must not move");
            OrtReference.assertClose(expected, heapLogits.array(), "heap FloatBuffer");

            // heap FloatBuffers whose remaining floats start past index 0
            float[] padded = new float[n + 7];
            System.arraycopy(input, 0, padded, 5, n);
            FloatBuffer offsetImages = FloatBuffer.wrap(padded, 5, n);
            float[] logitsArray = new float[m + 4];
            FloatBuffer offsetLogits = FloatBuffer.wrap(logitsArray, 3, m);
            session.run(offsetImages, offsetLogits);
            assertEquals(5, offsetImages.position());
            assertEquals(3, offsetLogits.position());
            float[] got = new float[m];
            System.arraycopy(logitsArray, 3, got, 0, m);
            OrtReference.assertClose(expected, got, "heap FloatBuffer at an offset");
            assertEquals(0f, logitsArray[0]);
            assertEquals(0f, logitsArray[m + 3]);

            // direct FloatBuffers in native order
            FloatBuffer directImages = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            directImages.put(input).flip();
            FloatBuffer directLogits = ByteBuffer.allocateDirect(m * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            session.run(directImages, directLogits);
            float[] fromDirect = new float[m];
            directLogits.get(0, fromDirect);
            OrtReference.assertClose(expected, fromDirect, "direct FloatBuffer");

            // heap MemorySegments
            float[] segLogits = new float[m];
            session.run(MemorySegment.ofArray(input), MemorySegment.ofArray(segLogits));
            OrtReference.assertClose(expected, segLogits, "heap MemorySegment");
            OrtReference.assertClose(expected, session.run(MemorySegment.ofArray(input)), "heap MemorySegment, returned");

            // native MemorySegments
            MemorySegment nativeImages = arena.allocate((long) n * Float.BYTES, 64);
            MemorySegment.copy(input, 0, nativeImages, ValueLayout.JAVA_FLOAT, 0, n);
            MemorySegment nativeLogits = arena.allocate((long) m * Float.BYTES, 64);
            session.run(nativeImages, nativeLogits);
            OrtReference.assertClose(expected, nativeLogits.toArray(ValueLayout.JAVA_FLOAT), "native MemorySegment");
            OrtReference.assertClose(expected, session.run(nativeImages), "native MemorySegment, returned");
        }
    }

    /**
     * Buffers in the other byte order (views of a big-endian ByteBuffer, heap or direct) hold the
     * same floats and give the same logits: their bytes are converted, never read as native floats.
     */
    @Test
    void buffersInTheOtherByteOrderAreConverted() {
        ByteOrder foreign = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        int batch = 2;
        float[] input = images(batch, 77);
        float[] expected = ort.run(input, batch);
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer inBytes = direct ? ByteBuffer.allocateDirect(input.length * Float.BYTES)
                    : ByteBuffer.allocate(input.length * Float.BYTES);
            ByteBuffer outBytes = direct ? ByteBuffer.allocateDirect((batch * CLASSES + 3) * Float.BYTES)
                    : ByteBuffer.allocate((batch * CLASSES + 3) * Float.BYTES);
            FloatBuffer foreignImages = inBytes.order(foreign).asFloatBuffer().put(input).flip();
            FloatBuffer foreignLogits = outBytes.order(foreign).asFloatBuffer();
            foreignLogits.position(3); // positions are honoured and not moved
            try (Session session = model.newSession()) {
                session.run(foreignImages, foreignLogits);
                assertEquals(0, foreignImages.position());
                assertEquals(3, foreignLogits.position());
                float[] got = new float[batch * CLASSES];
                foreignLogits.get(3, got);
                OrtReference.assertClose(expected, got, (direct ? "direct" : "heap") + " " + foreign + " buffers");
                // Mixed: native-order images, foreign-order logits.
                FloatBuffer nativeImages = ByteBuffer.allocateDirect(input.length * Float.BYTES)
                        .order(ByteOrder.nativeOrder()).asFloatBuffer().put(input).flip();
                FloatBuffer foreignOut = ByteBuffer.allocate(batch * CLASSES * Float.BYTES).order(foreign).asFloatBuffer();
                session.run(nativeImages, foreignOut);
                float[] mixed = new float[batch * CLASSES];
                foreignOut.get(0, mixed);
                OrtReference.assertClose(expected, mixed, "native images, " + foreign + " logits");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> session.run(nativeImages, FloatBuffer.allocate(CLASSES).asReadOnlyBuffer()));
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            }
        }
    }

    @Test
    void batchIsInferredFromTheLength() {
        try (Session session = model.newSession()) {
            for (int batch : new int[] {1, 2, 3, 1, 3}) {
                float[] input = images(batch, 100 + batch);
                float[] logits = session.run(input);
                assertEquals(batch * CLASSES, logits.length);
                OrtReference.assertClose(ort.run(input, batch), logits, "batch " + batch);
            }
        }
    }

    @Test
    void wrongLengthsAreRejectedWithTheNumbers() {
        try (Session session = model.newSession()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.run(new float[imageSize + 1]));
            assertTrue(e.getMessage().contains(String.valueOf(imageSize + 1)), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(imageSize)), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> session.run(new float[0]));
            assertTrue(e.getMessage().contains("0 floats"), e.getMessage());

            e = assertThrows(IllegalArgumentException.class,
                    () -> session.run(new float[imageSize * (MAX_BATCH + 1)]));
            assertTrue(e.getMessage().contains(String.valueOf(MAX_BATCH + 1)), e.getMessage());
            assertTrue(e.getMessage().contains("maximum batch size " + MAX_BATCH), e.getMessage());

            e = assertThrows(IllegalArgumentException.class,
                    () -> session.run(new float[2 * imageSize], new float[CLASSES + 1]));
            assertTrue(e.getMessage().contains(String.valueOf(CLASSES + 1)), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(2 * CLASSES)), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> session.run(
                    MemorySegment.ofArray(new float[imageSize]), MemorySegment.ofArray(new float[CLASSES - 1])));
            assertTrue(e.getMessage().contains(String.valueOf(CLASSES - 1)), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> session.run(
                    FloatBuffer.allocate(imageSize), FloatBuffer.allocate(2 * CLASSES)));
            assertTrue(e.getMessage().contains(String.valueOf(2 * CLASSES)), e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> session.run(
                    MemorySegment.ofArray(new byte[imageSize * Float.BYTES + 2]), MemorySegment.ofArray(new float[CLASSES])));
            assertTrue(e.getMessage().contains(String.valueOf(imageSize * Float.BYTES + 2)), e.getMessage());

            // The session still works after all those refusals.
            float[] input = images(1, 5);
            OrtReference.assertClose(ort.run(input, 1), session.run(input), "after errors");
        }
    }

    @Test
    void closedSessionRefuses() {
        Session session = model.newSession();
        session.run(images(1, 1));
        session.close();
        assertDoesNotThrow(session::close, "a second close does nothing");
        assertThrows(IllegalStateException.class, () -> session.run(new float[imageSize]));
        assertThrows(IllegalStateException.class, () -> session.run(new float[imageSize], new float[CLASSES]));
        assertThrows(IllegalStateException.class,
                () -> session.run(MemorySegment.ofArray(new float[imageSize]), MemorySegment.ofArray(new float[CLASSES])));
        assertThrows(IllegalStateException.class,
                () -> session.run(FloatBuffer.allocate(imageSize), FloatBuffer.allocate(CLASSES)));
    }

    /**
     * Closing the model closes its open sessions (a pool shuts down by closing the model), after
     * which they refuse to run; new sessions are refused.
     */
    @Test
    void closingTheModelClosesItsSessions() throws Exception {
        MobileNetV1 own = MobileNetV1.builder().widthMultiplier(0.25).resolution(48).classes(CLASSES).build();
        Session a = own.newSession();
        Session b = own.newSession();
        a.run(new float[own.config().imageSize()]);
        assertEquals(2, own.openSessions());
        a.close();
        assertEquals(1, own.openSessions());
        assertEquals(CLASSES, b.run(new float[own.config().imageSize()]).length);
        own.close();
        assertTrue(own.isClosed());
        assertTrue(b.isClosed(), "the model's close closed its last session");
        assertEquals(0, own.openSessions());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.run(new float[own.config().imageSize()]));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("its model was closed"), e.getMessage());
        assertDoesNotThrow(own::close, "a second close does nothing");
        assertDoesNotThrow(b::close, "closing a session of a closed model does nothing");
        e = assertThrows(IllegalStateException.class, own::newSession);
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    }

    @Test
    void twoThreadsWithTheirOwnSessions() throws Exception {
        int runs = 20;
        int threads = 2;
        float[][][] inputs = new float[threads][runs][];
        float[][][] expected = new float[threads][runs][];
        for (int t = 0; t < threads; t++) {
            for (int r = 0; r < runs; r++) {
                inputs[t][r] = images(1, 10_000 + 100 * t + r);
                expected[t][r] = ort.run(inputs[t][r], 1);
            }
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<float[][]> task = () -> {
                    float[][] out = new float[runs][];
                    try (Session session = model.newSession(1)) {
                        start.await();
                        for (int r = 0; r < runs; r++) {
                            out[r] = session.run(inputs[thread][r]);
                        }
                    }
                    return out;
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            for (int t = 0; t < threads; t++) {
                float[][] out = futures.get(t).get(60, TimeUnit.SECONDS);
                for (int r = 0; r < runs; r++) {
                    OrtReference.assertClose(expected[t][r], out[r], "thread " + t + " run " + r);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void explicitThreadCounts() {
        float[] input = images(3, 77);
        float[] expected = ort.run(input, 3);
        float[] one;
        float[] two;
        try (Session session = model.newSession(1)) {
            one = session.run(input);
        }
        try (Session session = model.newSession(2)) {
            two = session.run(input);
        }
        OrtReference.assertClose(expected, one, "newSession(1)");
        OrtReference.assertClose(expected, two, "newSession(2)");
        assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
        assertThrows(IllegalArgumentException.class, () -> model.newSession(-1));
    }

    @Test
    void prefilledOutputIsOverwritten() {
        float[] input = images(1, 3);
        try (Session session = model.newSession()) {
            float[] expected = ort.run(input, 1);
            for (int i = 0; i < 2; i++) {
                float[] logits = new float[CLASSES];
                Arrays.fill(logits, i == 0 ? Float.NaN : 1e30f);
                session.run(input, logits);
                OrtReference.assertClose(expected, logits, "output buffer prefilled, run " + i);
            }
        }
    }
}
