package io.github.mobilenetj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.serve.InferenceService;
import io.github.mobilenetj.server.V2Client.Reply;
import io.github.mobilenetj.server.V2Client.Result;
import io.github.mobilenetj.server.V2Client.Tensor;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Overload and shutdown: 429 with Retry-After when the queue is full, 504 when a request's
 * deadline passes in the queue, 503 while not ready and while draining, and SIGTERM draining a
 * real server process to exit code 0. The worker is held inside a completion callback, so what
 * happens to queued requests never depends on timing.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ServerOverloadTest {

    static final float[] IMAGE = new float[64 * 64];
    static final long[] SHAPE = {1, 1, 64, 64};

    /** A server of the bundled model with one worker, batches of one and a queue of {@code queue} images. */
    static InferenceServer start(int queue) throws Exception {
        InferenceServer server = Main.start(ServerOptions.parse("--host", "127.0.0.1", "--port", "0", "--workers", "1",
                "--queue", Integer.toString(queue), "--timeout-ms", "0"));
        for (ServedModel m : server.models().values()) {
            m.backend.awaitReady();
        }
        return server;
    }

    static InferenceService service(InferenceServer server) {
        return ((ServiceBackend) server.models().get("fashion-mnist").backend).service();
    }

    /** Holds the service's only worker in a completion callback until {@code release} opens. */
    static void holdWorker(InferenceService service, CountDownLatch release) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        while (true) {
            CompletableFuture<float[]> f = service.submit(IMAGE, null);
            AtomicReference<Boolean> onWorker = new AtomicReference<>();
            f.whenComplete((v, e) -> {
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
            if (!Boolean.FALSE.equals(onWorker.get())) {
                held.await();
                return;
            }
        }
    }

    static void awaitQueued(InferenceService service, int images) throws InterruptedException {
        while (service.queued() < images) {
            Thread.sleep(1);
        }
    }

    static CompletableFuture<Result> inferAsync(V2Client client, Map<String, Object> parameters) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null, parameters);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAtOnceAndTheQueuedOnesStillSucceed() throws Exception {
        InferenceServer server = start(2);
        CountDownLatch release = new CountDownLatch(1);
        try {
            V2Client client = new V2Client("127.0.0.1", server.port());
            InferenceService service = service(server);
            holdWorker(service, release);
            CompletableFuture<Result> a = inferAsync(client, null);
            CompletableFuture<Result> b = inferAsync(client, null);
            awaitQueued(service, 2);
            Result rejected = client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null, null);
            assertEquals(429, rejected.reply().status(), rejected.reply().toString());
            long retryAfter = Long.parseLong(rejected.reply().header("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1, "Retry-After " + retryAfter);
            assertTrue(rejected.reply().error().contains("queue is full"), rejected.reply().error());
            // Encoded images and JSON requests are refused the same way.
            Reply json = client.post("/v2/models/fashion-mnist/infer", "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8));
            assertEquals(429, json.status(), json.toString());
            release.countDown();
            assertEquals(200, a.get().reply().status());
            assertEquals(200, b.get().reply().status());
            String metrics = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
            assertTrue(metrics.contains("mobilenetj_http_responses_total{status=\"429\"} 2.0"), "429s counted");
        } finally {
            release.countDown();
            server.drain(Duration.ofSeconds(10));
        }
    }

    @Test
    void aRequestWhoseDeadlinePassesInTheQueueIs504() throws Exception {
        InferenceServer server = start(4);
        CountDownLatch release = new CountDownLatch(1);
        try {
            V2Client client = new V2Client("127.0.0.1", server.port());
            InferenceService service = service(server);
            holdWorker(service, release);
            long before = service.stats().images();
            // parameters.timeout is in microseconds (as Triton's): 20 ms while the worker is held.
            Result late = client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null,
                    Map.of("timeout", 20_000L));
            assertEquals(504, late.reply().status(), late.reply().toString());
            assertTrue(late.reply().error().contains("deadline exceeded"), late.reply().error());
            assertEquals(before, service.stats().images(), "it never ran");
            release.countDown();
            Result next = client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null, null);
            assertEquals(200, next.reply().status());
        } finally {
            release.countDown();
            server.drain(Duration.ofSeconds(10));
        }
    }

    @Test
    void drainingAnswers503ToNewRequestsAndFinishesTheQueuedOnes() throws Exception {
        InferenceServer server = start(4);
        CountDownLatch release = new CountDownLatch(1);
        try {
            V2Client client = new V2Client("127.0.0.1", server.port());
            InferenceService service = service(server);
            holdWorker(service, release);
            CompletableFuture<Result> queued = inferAsync(client, null);
            awaitQueued(service, 1);
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> server.drain(Duration.ofSeconds(60)));
            while (client.get("/v2/health/ready").status() != 503) {
                Thread.sleep(1);
            }
            assertEquals(200, client.get("/v2/health/live").status());
            assertEquals(503, client.get("/v2/models/fashion-mnist/ready").status());
            Result refused = client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null, null);
            assertEquals(503, refused.reply().status(), refused.reply().toString());
            assertFalse(drained.isDone(), "drain waits for the queued request");
            release.countDown();
            assertEquals(200, queued.get().reply().status(), "the request queued before the drain is answered");
            assertTrue(drained.get(), "everything queued ran");
        } finally {
            release.countDown();
            server.drain(Duration.ofSeconds(1));
        }
    }

    /** A backend that never becomes ready: the HTTP layer's answer to a model still warming up. */
    static final class WarmingBackend implements Backend {
        @Override
        public CompletableFuture<float[]> submit(MemorySegment images, Duration timeout) {
            throw new AssertionError("not ready: must not be called");
        }

        @Override
        public CompletableFuture<float[]> submit(float[] images, Duration timeout) {
            throw new AssertionError("not ready: must not be called");
        }

        @Override
        public CompletableFuture<float[]> submit(List<BufferedImage> images, Duration timeout) {
            throw new AssertionError("not ready: must not be called");
        }

        @Override
        public boolean saturated() {
            return false;
        }

        @Override
        public boolean isReady() {
            return false;
        }

        @Override
        public void awaitReady() {
        }

        @Override
        public int maxImagesPerRequest() {
            return 1;
        }

        @Override
        public long retryAfterSeconds() {
            return 1;
        }

        @Override
        public void registerMetrics(io.micrometer.core.instrument.MeterRegistry registry,
                io.prometheus.metrics.model.registry.PrometheusRegistry prometheus, String model) {
        }

        @Override
        public boolean close(Duration grace) {
            return true;
        }

        @Override
        public String describe() {
            return "warming";
        }
    }

    @Test
    void aModelNotYetReadyIs503() throws Exception {
        V2Json json = new V2Json(1 << 20);
        MobileNetV1 model = MobileNetV1.fashionMnist();
        InferenceServer server = new InferenceServer(List.of(new ServedModel("slow", model, new WarmingBackend(), json)), json,
                1 << 20).start("127.0.0.1", 0);
        try {
            V2Client client = new V2Client("127.0.0.1", server.port());
            assertEquals(200, client.get("/v2/health/live").status());
            Reply ready = client.get("/v2/health/ready");
            assertEquals(503, ready.status());
            assertEquals(false, ready.json().get("ready"));
            Reply modelReady = client.get("/v2/models/slow/ready");
            assertEquals(503, modelReady.status());
            assertTrue(modelReady.error().contains("not ready"), modelReady.error());
            assertEquals(200, client.get("/v2/models/slow").status(), "metadata is there before the model is ready");
            Result infer = client.infer("slow", Tensor.fp32("input", SHAPE, IMAGE), true, null, null);
            assertEquals(503, infer.reply().status());
            assertTrue(infer.reply().error().contains("not ready"), infer.reply().error());
        } finally {
            server.drain(Duration.ofSeconds(1));
        }
    }

    @Test
    void sigtermDrainsTheServerProcessWhichExitsZero() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--host", "127.0.0.1", "--port", "0",
                "--drain-seconds", "30", "--queue", "64").redirectErrorStream(true).start();
        try {
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = out.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    lines.add("(output unreadable: " + e + ")");
                }
            });
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            while (process.isAlive() && lines.stream().noneMatch(l -> l.contains("mobilenetj serve: ready"))) {
                Thread.sleep(10);
            }
            synchronized (lines) {
                for (String l : lines) {
                    Matcher m = listening.matcher(l);
                    if (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                }
            }
            assertTrue(port > 0, "no port in " + lines);
            V2Client client = new V2Client("127.0.0.1", port);
            assertEquals(200, client.infer("fashion-mnist", Tensor.fp32("input", SHAPE, IMAGE), true, null, null)
                    .reply().status());
            // A burst in flight, then SIGTERM: every request gets an answer (200, or 503 once draining began).
            List<CompletableFuture<Result>> burst = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                burst.add(inferAsync(client, null));
            }
            Thread.sleep(50);
            process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            int ok = 0;
            for (CompletableFuture<Result> f : burst) {
                try {
                    int status = f.get().reply().status();
                    assertTrue(status == 200 || status == 503, "status " + status);
                    ok += status == 200 ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException e) {
                    // sent after the listener closed: refused connection, not an error answer
                    assertTrue(e.getCause().getMessage() != null);
                }
            }
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the server did not exit");
            reader.join();
            assertEquals(0, process.exitValue(), String.join("\n", lines));
            assertTrue(lines.stream().anyMatch(l -> l.contains("mobilenetj serve: stopped")), String.join("\n", lines));
            System.out.println("[sigterm] " + ok + " of 20 in-flight requests answered 200 before the exit");
        } finally {
            process.destroyForcibly();
        }
    }
}
