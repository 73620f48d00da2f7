package io.github.mobilenetj.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.io.IdxFile;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.model.Activation;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.model.TestWeights;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link InferenceService} against independent references: logits from ONNX Runtime running the
 * hand-written ONNX model with the same tensors, and PyTorch's logits for the bundled model;
 * plus admission, deadlines, cancellation and closing, made deterministic by holding a worker
 * inside a completion callback (no timing assertions).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InferenceServiceTest {

    /** A small network keeps the test quick; 1000 classes as in ImageNet models. */
    static final ModelConfig CONFIG = new ModelConfig(0.25, 96, 1000, 3, Activation.RELU, 1e-5,
            io.github.mobilenetj.image.PixelLayout.CHW, 4);
    static final int CPUS = MobileNetV1.maxThreads();
    static final int WORKERS = Math.min(2, CPUS);

    static TestWeights weights;
    static MobileNetV1 model;
    static OnnxRuntimeRunner ort;

    @BeforeAll
    static void setUp() {
        weights = TestWeights.random(CONFIG, 7);
        model = weights.build(builder(CONFIG.maxBatchSize()));
        MobileNetSpec spec = new MobileNetSpec(CONFIG.widthMultiplier(), CONFIG.resolution(), CONFIG.inChannels(),
                CONFIG.classes(), MobileNetSpec.Activation.RELU, CONFIG.batchNormEpsilon());
        ort = new OnnxRuntimeRunner(OnnxMobileNetWriter.write(spec, weights::values, false, false), 1);
    }

    /** The builder of {@link #CONFIG}'s model on one thread (the weights fix only α, classes and channels). */
    static MobileNetV1.Builder builder(int maxBatch) {
        return MobileNetV1.builder().widthMultiplier(CONFIG.widthMultiplier()).resolution(CONFIG.resolution())
                .classes(CONFIG.classes()).threads(1).maxBatchSize(maxBatch);
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

    static float[] images(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[count * CONFIG.imageSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return x;
    }

    static float[] reference(float[] input) {
        int r = CONFIG.resolution();
        return ort.run(input, input.length / CONFIG.imageSize(), CONFIG.inChannels(), r, r);
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(scale > 0, what + ": reference logits all zero");
        assertTrue(err <= 1e-4 * scale, what + ": max abs error " + err + " > 1e-4 x " + scale);
    }

    @Test
    void concurrentClientsGetOnnxRuntimesAnswersThroughEveryInputKind() throws Exception {
        int clients = 6;
        int perClient = 12;
        // Inputs and ORT's answers first, serially.
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < clients * perClient; i++) {
            float[] in = images(1 + i % 3, 100 + i);
            inputs.add(in);
            expected.add(reference(in));
        }
        try (InferenceService service = InferenceService.builder(model).workers(WORKERS).maxBatch(4)
                .maxQueueDelay(Duration.ofMillis(1)).queueCapacity(64).build();
             ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            service.awaitReady();
            assertTrue(service.isReady());
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int j = 0; j < perClient; j++) {
                        int i = client * perClient + j;
                        float[] in = inputs.get(i);
                        float[] got = switch (i % 4) {
                            case 0 -> service.submit(in).join();
                            case 1 -> {
                                // A confined segment of this client thread, freed right after submit returns.
                                CompletableFuture<float[]> f;
                                try (Arena arena = Arena.ofConfined()) {
                                    MemorySegment seg = arena.allocate((long) in.length * Float.BYTES);
                                    MemorySegment.copy(in, 0, seg, ValueLayout.JAVA_FLOAT, 0, in.length);
                                    f = service.submit(seg, Duration.ofSeconds(60));
                                }
                                yield f.join();
                            }
                            case 2 -> {
                                float[] copy = in.clone();
                                CompletableFuture<float[]> f = service.submit(copy, Duration.ofSeconds(60));
                                Arrays.fill(copy, Float.NaN); // the service copied it at submit
                                yield f.join();
                            }
                            default -> service.run(in);
                        };
                        assertClose(expected.get(i), got, "request " + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            ServiceStats stats = service.stats();
            long images = inputs.stream().mapToLong(in -> in.length / CONFIG.imageSize()).sum();
            assertEquals(inputs.size(), stats.submitted());
            assertEquals(inputs.size(), stats.succeeded());
            assertEquals(images, stats.images());
            long[] sizes = stats.batchSizes();
            long fromSizes = 0;
            long batches = 0;
            for (int n = 1; n < sizes.length; n++) {
                fromSizes += n * sizes[n];
                batches += sizes[n];
            }
            assertEquals(images, fromSizes, "batch-size histogram accounts for every image");
            assertEquals(stats.batches(), batches);
            assertEquals(images, stats.queueTime().count());
            assertEquals(inputs.size(), stats.requestTime().count());
            assertEquals(stats.batches(), stats.computeTime().count());
            assertEquals(0, stats.rejected() + stats.timedOut() + stats.failed() + stats.closed() + stats.cancelled());
            assertEquals(0, stats.queued());
        }
    }

    @Test
    void withoutBatchingConcurrentAnswersEqualSerialSessionRunsBitForBit() throws Exception {
        int n = 40;
        float[][] inputs = new float[n][];
        float[][] serial = new float[n][];
        try (Session session = model.newSession(1)) {
            for (int i = 0; i < n; i++) {
                inputs[i] = images(1, 500 + i);
                serial[i] = session.run(inputs[i]);
            }
        }
        assertClose(reference(inputs[0]), serial[0], "serial session vs ORT");
        try (InferenceService service = InferenceService.builder(model).workers(WORKERS).maxBatch(1).build();
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<float[]>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] in = inputs[i];
                answers.add(pool.submit(() -> service.run(in)));
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(serial[i], answers.get(i).get(), "request " + i);
            }
        }
    }

    @Test
    void imagesArePreprocessedWithTheModelsOwnPreprocessingAndMatchPyTorch(@TempDir Path dir) throws Exception {
        Path data = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(data), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path referenceFile = dir.resolve("reference.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/io/github/mobilenetj/model/fashion-mnist-test-logits.safetensors")) {
            Files.copy(in, referenceFile, StandardCopyOption.REPLACE_EXISTING);
        }
        float[] torch;
        try (SafetensorsFile st = SafetensorsFile.open(referenceFile)) {
            torch = st.readFloats("logits");
        }
        IdxFile idx = IdxFile.read(data.resolve("t10k-images-idx3-ubyte.gz"));
        int count = 48;
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            byte[] pixels = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
            System.arraycopy(idx.item(i), 0, pixels, 0, pixels.length);
            images.add(gray);
        }
        try (MobileNetV1 fashion = MobileNetV1.builder().threads(1).maxBatchSize(8).fashionMnist();
             InferenceService service = InferenceService.builder(fashion).workers(WORKERS).maxBatch(8).build()) {
            int classes = fashion.config().classes();
            // One request of several images, and single images from several threads.
            float[] firstEight = service.submit(images.subList(0, 8), null).join();
            assertClose(Arrays.copyOfRange(torch, 0, 8 * classes), firstEight, "images 0-7 in one request");
            List<CompletableFuture<float[]>> singles = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<CompletableFuture<float[]>>> submitted = new ArrayList<>();
                for (int i = 8; i < count; i++) {
                    BufferedImage image = images.get(i);
                    submitted.add(pool.submit(() -> service.submit(image, null)));
                }
                for (Future<CompletableFuture<float[]>> f : submitted) {
                    singles.add(f.get());
                }
            }
            for (int i = 8; i < count; i++) {
                assertClose(Arrays.copyOfRange(torch, i * classes, (i + 1) * classes), singles.get(i - 8).join(), "image " + i);
            }
            List<Prediction> top = service.classify(images.get(0), 3);
            assertEquals(3, top.size());
            assertEquals(argmax(torch, 0, classes), top.getFirst().classIndex());
            assertEquals(fashion.labels().name(top.getFirst().classIndex()), top.getFirst().label());
        }
    }

    private static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Holds the only worker of {@code service} inside a completion callback until {@code release}
     * opens: the worker then runs nothing else, so what happens to queued requests cannot depend on
     * timing. Returns the future whose callback holds it.
     */
    static CompletableFuture<float[]> holdWorker(InferenceService service, CountDownLatch release) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        while (true) {
            CompletableFuture<float[]> f = service.submit(images(1, 1), null);
            AtomicReference<Boolean> onWorker = new AtomicReference<>();
            CompletableFuture<float[]> dependent = f.whenComplete((v, e) -> {
                boolean worker = Thread.currentThread().getName().startsWith("mobilenetj-serve-worker");
                onWorker.set(worker);
                if (worker) {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            if (Boolean.FALSE.equals(onWorker.get())) {
                continue; // completed before the callback was attached: try again
            }
            held.await();
            return dependent;
        }
    }

    @Test
    void aFullQueueRejectsAtOnceWithATypedExceptionAndRecovers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (InferenceService service = InferenceService.builder(model).workers(1).queueCapacity(3).build()) {
            service.awaitReady();
            CompletableFuture<float[]> holder = holdWorker(service, release);
            float[] one = images(1, 2);
            float[] two = images(2, 3);
            CompletableFuture<float[]> a = service.submit(two, null);
            CompletableFuture<float[]> b = service.submit(one, null);
            assertEquals(3, service.queued());
            QueueFullException full = assertThrows(QueueFullException.class, () -> service.submit(one, null));
            assertEquals(3, full.capacity());
            assertThrows(QueueFullException.class, () -> service.run(one));
            assertThrows(IllegalArgumentException.class, () -> service.submit(images(4, 4), null),
                    "4 images can never fit a queue of 3");
            assertEquals(2, service.stats().rejected());
            release.countDown();
            holder.join();
            assertClose(reference(two), a.join(), "queued before the rejection");
            assertClose(reference(one), b.join(), "queued before the rejection");
            assertClose(reference(one), service.run(one), "after the queue drained");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRequestStillQueuedAtItsDeadlineFailsThenWithoutRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (InferenceService service = InferenceService.builder(model).workers(1).queueCapacity(4).build()) {
            service.awaitReady();
            CompletableFuture<float[]> holder = holdWorker(service, release);
            long imagesBefore = service.stats().images();
            CompletableFuture<float[]> late = service.submit(images(1, 5), Duration.ofMillis(30));
            CompletableFuture<float[]> patient = service.submit(images(1, 6), Duration.ofMinutes(5));
            // The worker is held: only the deadline watcher can end this request.
            ExecutionException e = assertThrows(ExecutionException.class, late::get);
            DeadlineExceededException d = assertInstanceOf(DeadlineExceededException.class, e.getCause());
            assertTrue(d.getMessage().contains("deadline"), d.getMessage());
            assertEquals(1, service.stats().timedOut());
            assertEquals(1, service.queued(), "the expired request left the queue");
            assertFalse(patient.isDone());
            release.countDown();
            holder.join();
            patient.join();
            assertEquals(imagesBefore + 1, service.stats().images(), "the expired request never ran");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCancelledQueuedRequestNeverRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (InferenceService service = InferenceService.builder(model).workers(1).queueCapacity(4).build()) {
            service.awaitReady();
            CompletableFuture<float[]> holder = holdWorker(service, release);
            long imagesBefore = service.stats().images();
            CompletableFuture<float[]> cancelled = service.submit(images(1, 7), null);
            CompletableFuture<float[]> kept = service.submit(images(1, 8), null);
            assertTrue(cancelled.cancel(false));
            release.countDown();
            holder.join();
            kept.join();
            assertThrows(CancellationException.class, cancelled::join);
            assertEquals(imagesBefore + 1, service.stats().images());
            assertEquals(1, service.stats().cancelled());
        } finally {
            release.countDown();
        }
    }

    @Test
    void closeFinishesWhatIsQueuedWhileTheWorkerIsBusyAndRefusesNewRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        InferenceService service = InferenceService.builder(model).workers(1).queueCapacity(4).build();
        try {
            service.awaitReady();
            CompletableFuture<float[]> holder = holdWorker(service, release);
            float[] in = images(2, 9);
            CompletableFuture<float[]> queued = service.submit(in, null);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(service::close, Executors.newSingleThreadExecutor());
            while (!service.isClosed()) {
                Thread.onSpinWait();
            }
            assertFalse(service.isReady());
            ServiceClosedException refused = assertThrows(ServiceClosedException.class, () -> service.submit(in, null));
            assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
            assertFalse(closing.isDone(), "close waits for the running and queued requests");
            release.countDown();
            holder.join();
            assertClose(reference(in), queued.join(), "queued before close");
            closing.get();
            assertTrue(service.close(Duration.ZERO), "everything queued ran (a second close returns the first one's result)");
            assertThrows(ServiceClosedException.class, () -> service.submit(in, null));
        } finally {
            release.countDown();
            service.close();
        }
    }

    @Test
    void closeWithAGracePeriodFailsWhatIsStillQueuedAndWaitsForTheRunningBatch() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        InferenceService service = InferenceService.builder(model).workers(1).queueCapacity(4).build();
        try {
            service.awaitReady();
            CompletableFuture<float[]> holder = holdWorker(service, release);
            CompletableFuture<float[]> queued = service.submit(images(1, 10), null);
            CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> service.close(Duration.ofMillis(20)),
                    Executors.newSingleThreadExecutor());
            ExecutionException e = assertThrows(ExecutionException.class, queued::get);
            assertInstanceOf(ServiceClosedException.class, e.getCause());
            assertFalse(closing.isDone(), "the held batch is still running");
            release.countDown();
            holder.join();
            assertFalse(closing.get(), "not everything queued ran");
            assertEquals(1, service.stats().closed());
        } finally {
            release.countDown();
            service.close();
        }
    }

    /** A callback attached with a non-async method runs on the worker; closing from there would wait for itself. */
    @Test
    void closeFromAWorkerThreadIsRefusedInsteadOfWaitingForItself() throws Exception {
        try (InferenceService service = InferenceService.builder(model).workers(1).build()) {
            service.awaitReady();
            float[] in = images(1, 12);
            // A dependent action runs on the worker that completes the future, unless the future was complete
            // before the action was attached: then it runs here, and must not close. Try until one runs on a worker.
            Throwable refused = null;
            for (int attempt = 0; attempt < 1000 && refused == null; attempt++) {
                CompletableFuture<Throwable> fromWorker = service.submit(in, null).handle((logits, failure) -> {
                    if (!Thread.currentThread().getName().contains("worker")) {
                        return null;
                    }
                    try {
                        service.close();
                        return new AssertionError("close() from a worker returned");
                    } catch (Throwable t) {
                        return t;
                    }
                });
                refused = fromWorker.get(60, TimeUnit.SECONDS);
            }
            assertInstanceOf(IllegalStateException.class, refused, "no callback ran on a worker in 1000 requests");
            assertTrue(refused.getMessage().contains("worker-0") && refused.getMessage().contains("*Async"),
                    refused.getMessage());
            assertFalse(service.isClosed(), "the refused close must not have begun closing");
            assertClose(reference(in), service.run(in), "the service still works");
        }
    }

    @Test
    void closingTheModelUnderARunningServiceFailsRequestsInsteadOfHangingOrCrashing() throws Exception {
        MobileNetV1 own = weights.build(builder(2));
        try (InferenceService service = InferenceService.builder(own).workers(WORKERS).maxBatch(2).build()) {
            service.awaitReady();
            float[] in = images(1, 11);
            assertClose(reference(in), service.run(in), "before the model is closed");
            own.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> service.submit(in, null).get());
            assertInstanceOf(InferenceServiceException.class, e.getCause());
            assertInstanceOf(IllegalStateException.class, e.getCause().getCause());
            assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
            assertEquals(1, service.stats().failed());
        } finally {
            own.close();
        }
    }

    @Test
    void badSettingsAndInputsAreRefusedNamingTheProblem() throws Exception {
        var e = assertThrows(IllegalArgumentException.class,
                () -> InferenceService.builder(model).workers(CPUS).threadsPerWorker(CPUS).build());
        if (CPUS > 1) {
            assertTrue(e.getMessage().contains("processors"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> InferenceService.builder(model).maxBatch(5).build());
        assertTrue(e.getMessage().contains("maximum batch size 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InferenceService.builder(model).workers(0));
        assertThrows(IllegalArgumentException.class, () -> InferenceService.builder(model).queueCapacity(0));
        assertThrows(IllegalArgumentException.class, () -> InferenceService.builder(model).timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> InferenceService.builder(model).maxQueueDelay(Duration.ofMillis(-1)));
        try (InferenceService service = InferenceService.builder(model).workers(1).build()) {
            assertEquals(CONFIG.maxBatchSize(), service.maxBatch(), "batches up to the model's maximum by default");
            assertEquals(1, service.threadsPerWorker());
            assertEquals(Math.max(16, 4 * CONFIG.maxBatchSize()), service.queueCapacity());
            e = assertThrows(IllegalArgumentException.class, () -> service.submit(new float[CONFIG.imageSize() + 1]));
            assertTrue(e.getMessage().contains("not a whole number of 3x96x96 images"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> service.submit(new float[0]));
            assertThrows(IllegalArgumentException.class, () -> service.submit(images(1, 1), Duration.ofMillis(-5)));
            assertThrows(IllegalArgumentException.class, () -> service.submit(MemorySegment.ofArray(new byte[6]), null));
            try (Arena other = Arena.ofConfined()) {
                MemorySegment foreign = other.allocate(CONFIG.imageSize() * 4L);
                Future<?> f = Executors.newVirtualThreadPerTaskExecutor().submit(() -> service.submit(foreign, null));
                ExecutionException wrong = assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(WrongThreadException.class, wrong.getCause());
            }
            assertEquals(0, service.queued(), "failed submits give their room back");
            assertEquals(0, service.stats().submitted());
            assertClose(reference(images(1, 12)), service.run(images(1, 12)), "still serving");
        }
        assertSame(model, model); // the shared model stays open after its services close
        assertFalse(model.isClosed());
    }

    /**
     * The hot path allocates nothing on the workers: after warm-up, the worker and watcher threads
     * allocate (almost) no heap bytes per request; the caller's future and logits are all a request
     * costs. Measured with HotSpot's per-thread allocation counters, not with time.
     */
    @Test
    void workersAllocateNothingPerRequest() throws Exception {
        // Through reflection: the tests compile inside the library's module, which does not read jdk.management.
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Class<?> hotspot = Class.forName("com.sun.management.ThreadMXBean");
        assumeTrue(hotspot.isInstance(mx) && (boolean) hotspot.getMethod("isThreadAllocatedMemoryEnabled").invoke(mx),
                "this JVM does not count allocations per thread");
        java.lang.reflect.Method allocated = hotspot.getMethod("getThreadAllocatedBytes", long[].class);
        try (MobileNetV1 small = MobileNetV1.builder().widthMultiplier(0.25).resolution(32).classes(10).threads(1)
                .maxBatchSize(2).build();
             InferenceService service = InferenceService.builder(small).workers(1).build()) {
            service.awaitReady();
            float[] in = new float[small.config().imageSize()];
            for (int i = 0; i < 20_000; i++) { // warm: the JIT compiles the path
                service.submit(in).join();
            }
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("mobilenetj-serve-")).mapToLong(Thread::threadId).toArray();
            assertEquals(2, ids.length, "one worker and the deadline watcher");
            long before = Arrays.stream((long[]) allocated.invoke(mx, (Object) ids)).sum();
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                service.submit(in).join();
            }
            long perRequest = (Arrays.stream((long[]) allocated.invoke(mx, (Object) ids)).sum() - before) / n;
            System.out.println("[allocation] service threads: " + perRequest + " bytes per request");
            assertTrue(perRequest < 32, perRequest + " bytes allocated per request on the service's threads");
        }
    }

    @Test
    void snippetsRun() throws Exception {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(14, 14, 0, 255);
        List<Prediction> top = ServiceSnippets.service(image);
        assertEquals(3, top.size());
        try (InferenceService service = InferenceService.builder(model).workers(1).build()) {
            assertEquals(200, ServiceSnippets.handler(service, images(1, 13)));
            assertEquals(400, ServiceSnippets.handler(service, new float[3]));
        }
    }
}
