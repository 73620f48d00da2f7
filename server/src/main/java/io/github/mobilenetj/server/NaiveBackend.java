package io.github.mobilenetj.server;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline the load tests compare the service with: what a new user writes first. Every
 * request runs on a request thread of a servlet-style pool (200 platform threads by default, like
 * Tomcat's, with an unbounded queue in front), each thread with its own default session (as many
 * OpenMP threads as cores); no admission control, no deadlines, no batching, no warm-up.
 */
final class NaiveBackend implements Backend {

    private final MobileNetV1 model;
    private final int imageFloats;
    private final int classes;
    private final ThreadPoolExecutor pool;
    private final ThreadLocal<Session> sessions;
    private final AtomicLong images = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    NaiveBackend(MobileNetV1 model, int threads) {
        this.model = model;
        this.imageFloats = model.config().imageSize();
        this.classes = model.config().classes();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("naive-request-", 0).daemon().factory());
        this.sessions = ThreadLocal.withInitial(model::newSession);
    }

    private CompletableFuture<float[]> run(float[] input) {
        int count = input.length / imageFloats;
        return CompletableFuture.supplyAsync(() -> {
            Session session = sessions.get();
            float[] logits = new float[count * classes];
            float[] one = new float[imageFloats];
            float[] out = new float[classes];
            for (int i = 0; i < count; i++) {
                System.arraycopy(input, i * imageFloats, one, 0, imageFloats);
                session.run(one, out);
                System.arraycopy(out, 0, logits, i * classes, classes);
            }
            images.addAndGet(count);
            requests.incrementAndGet();
            return logits;
        }, pool);
    }

    private void check(long floats) {
        if (floats == 0 || floats % imageFloats != 0) {
            throw new IllegalArgumentException("input has " + floats + " floats, not a whole number of images ("
                    + imageFloats + " floats each)");
        }
    }

    @Override
    public CompletableFuture<float[]> submit(MemorySegment images, Duration timeout) {
        check(images.byteSize() / Float.BYTES);
        return run(images.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
    }

    @Override
    public CompletableFuture<float[]> submit(float[] images, Duration timeout) {
        check(images.length);
        return run(images.clone());
    }

    @Override
    public CompletableFuture<float[]> submit(List<BufferedImage> images, Duration timeout) {
        float[] input = new float[images.size() * imageFloats];
        for (int i = 0; i < images.size(); i++) {
            model.preprocessing().apply(images.get(i), model.config().inputLayout(), input, i * imageFloats);
        }
        return run(input);
    }

    @Override
    public boolean saturated() {
        return false; // no admission control: that is the point of the baseline
    }

    @Override
    public boolean isReady() {
        return !pool.isShutdown();
    }

    @Override
    public void awaitReady() {
    }

    @Override
    public int maxImagesPerRequest() {
        return 1024;
    }

    @Override
    public long retryAfterSeconds() {
        return 1;
    }

    @Override
    public void registerMetrics(MeterRegistry registry, PrometheusRegistry prometheus, String modelName) {
        FunctionCounter.builder("mobilenetj_inference_count", images, AtomicLong::get).description("images inferred")
                .tag("model", modelName).register(registry);
        FunctionCounter.builder("mobilenetj_inference_request_success", requests, AtomicLong::get)
                .description("requests answered with logits").tag("model", modelName).register(registry);
    }

    @Override
    public boolean close(Duration grace) {
        pool.shutdown();
        try {
            return pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public String describe() {
        return "naive: a pool of " + pool.getMaximumPoolSize() + " request threads, each with its own default session ("
                + model.threads() + " OpenMP threads), unbounded queue";
    }
}
