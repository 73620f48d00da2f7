package io.github.mobilenetj.server;

import io.github.mobilenetj.serve.InferenceService;
import io.github.mobilenetj.serve.LatencyHistogram;
import io.github.mobilenetj.serve.ServiceStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToDoubleFunction;

/** The server's design: the library's {@link InferenceService}. */
final class ServiceBackend implements Backend {

    private final InferenceService service;
    /** The last stats snapshot, shared by the metrics read in one scrape. */
    private volatile ServiceStats cached;
    private volatile long cachedAt;

    ServiceBackend(InferenceService service) {
        this.service = service;
    }

    InferenceService service() {
        return service;
    }

    @Override
    public CompletableFuture<float[]> submit(MemorySegment images, Duration timeout) {
        return service.submit(images, timeout);
    }

    @Override
    public CompletableFuture<float[]> submit(float[] images, Duration timeout) {
        return service.submit(images, timeout);
    }

    @Override
    public CompletableFuture<float[]> submit(List<BufferedImage> images, Duration timeout) {
        return service.submit(images, timeout);
    }

    @Override
    public boolean saturated() {
        return service.queued() >= service.queueCapacity();
    }

    @Override
    public boolean isReady() {
        return service.isReady();
    }

    @Override
    public void awaitReady() throws InterruptedException {
        service.awaitReady();
    }

    @Override
    public int maxImagesPerRequest() {
        return service.queueCapacity();
    }

    @Override
    public long retryAfterSeconds() {
        ServiceStats s = stats();
        double perImage = s.images() == 0 ? 0 : s.computeTime().sumNanos() / 1e9 / s.images();
        double drain = s.queued() * perImage / service.workers();
        return Math.max(1, (long) Math.ceil(drain));
    }

    private ServiceStats stats() {
        long now = System.nanoTime();
        ServiceStats s = cached;
        if (s == null || now - cachedAt > 100_000_000L) {
            s = service.stats();
            cached = s;
            cachedAt = now;
        }
        return s;
    }

    @Override
    public void registerMetrics(MeterRegistry registry, PrometheusRegistry prometheus, String model) {
        // Names after Triton's (nv_inference_*), with this server's prefix.
        counter(registry, "mobilenetj_inference_request_success", "requests answered with logits", model, s -> s.succeeded());
        failure(registry, model, "rejected", "queue full (429)", s -> s.rejected());
        failure(registry, model, "timeout", "deadline passed while queued (504)", s -> s.timedOut());
        failure(registry, model, "closed", "service closing (503)", s -> s.closed());
        failure(registry, model, "error", "inference failed", s -> s.failed());
        failure(registry, model, "cancelled", "cancelled by the caller", s -> s.cancelled());
        counter(registry, "mobilenetj_inference_count", "images inferred", model, s -> s.images());
        counter(registry, "mobilenetj_inference_exec_count", "batches executed (inference_count / exec_count = mean batch size)",
                model, s -> s.batches());
        Gauge.builder("mobilenetj_inference_pending_request_count", this, b -> b.stats().queued())
                .description("images waiting in the queue").tag("model", model).register(registry);
        Gauge.builder("mobilenetj_inference_running_count", this, b -> b.stats().running())
                .description("images being inferred").tag("model", model).register(registry);
        Gauge.builder("mobilenetj_inference_queue_capacity", service, InferenceService::queueCapacity)
                .description("images the queue holds at most").tag("model", model).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String help, String model, ToDoubleFunction<ServiceStats> f) {
        FunctionCounter.builder(name, this, b -> f.applyAsDouble(b.stats())).description(help).tag("model", model)
                .register(registry);
    }

    private void failure(MeterRegistry registry, String model, String reason, String help, ToDoubleFunction<ServiceStats> f) {
        FunctionCounter.builder("mobilenetj_inference_request_failure", this, b -> f.applyAsDouble(b.stats()))
                .description("requests not answered with logits, by reason").tag("model", model).tag("reason", reason)
                .register(registry);
    }

    /** The histograms of every service-backed model, one data point per model, for /metrics. */
    static MultiCollector collector(List<ServedModel> models) {
        return () -> {
            HistogramSnapshot.Builder queue = HistogramSnapshot.builder().name("mobilenetj_inference_queue_duration_seconds")
                    .help("per image: from submission until a worker took it");
            HistogramSnapshot.Builder compute = HistogramSnapshot.builder()
                    .name("mobilenetj_inference_compute_infer_duration_seconds")
                    .help("per batch: the inference, copying in and out included");
            HistogramSnapshot.Builder request = HistogramSnapshot.builder().name("mobilenetj_inference_request_duration_seconds")
                    .help("per successful request: from submission until its logits were ready");
            HistogramSnapshot.Builder batch = HistogramSnapshot.builder().name("mobilenetj_inference_batch_size")
                    .help("images per executed batch");
            for (ServedModel m : models) {
                if (m.backend instanceof ServiceBackend b) {
                    ServiceStats s = b.service.stats();
                    Labels labels = Labels.of("model", m.name);
                    queue.dataPoint(durations(labels, s.queueTime()));
                    compute.dataPoint(durations(labels, s.computeTime()));
                    request.dataPoint(durations(labels, s.requestTime()));
                    batch.dataPoint(batchSizes(labels, s));
                }
            }
            return MetricSnapshots.of(queue.build(), compute.build(), request.build(), batch.build());
        };
    }

    static HistogramSnapshot.HistogramDataPointSnapshot durations(Labels labels, LatencyHistogram h) {
        long[] bounds = h.upperBoundsNanos();
        long[] counts = h.counts();
        double[] upper = new double[bounds.length + 1];
        for (int i = 0; i < bounds.length; i++) {
            upper[i] = bounds[i] / 1e9;
        }
        upper[bounds.length] = Double.POSITIVE_INFINITY;
        return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts)).sum(h.sumNanos() / 1e9).build();
    }

    static HistogramSnapshot.HistogramDataPointSnapshot batchSizes(Labels labels, ServiceStats s) {
        long[] sizes = s.batchSizes();
        double[] upper = new double[sizes.length];
        long[] buckets = new long[sizes.length];
        double sum = 0;
        for (int n = 1; n < sizes.length; n++) {
            upper[n - 1] = n;
            buckets[n - 1] = sizes[n];
            sum += (double) n * sizes[n];
        }
        upper[sizes.length - 1] = Double.POSITIVE_INFINITY;
        return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, buckets)).sum(sum).build();
    }

    @Override
    public boolean close(Duration grace) {
        return service.close(grace);
    }

    @Override
    public String describe() {
        return service.workers() + " worker(s) x " + service.threadsPerWorker() + " thread(s), max batch " + service.maxBatch()
                + ", queue delay " + service.maxQueueDelay().toNanos() / 1000 + " us, queue " + service.queueCapacity()
                + " images, timeout " + (service.defaultTimeout() == null ? "none" : service.defaultTimeout().toMillis() + " ms");
    }
}
