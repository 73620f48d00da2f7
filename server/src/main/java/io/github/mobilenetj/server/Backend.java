package io.github.mobilenetj.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What runs a model's inferences behind the HTTP layer: the library's InferenceService
 * ({@link ServiceBackend}, the server's design) or a thread per request with a session each
 * ({@link NaiveBackend}, the baseline the load tests compare it with).
 */
interface Backend {

    /** Logits of the images in {@code images} (native-order float32, read before this returns). */
    CompletableFuture<float[]> submit(MemorySegment images, Duration timeout);

    /** Logits of the images in {@code images} (read before this returns). */
    CompletableFuture<float[]> submit(float[] images, Duration timeout);

    /** Logits of decoded images, preprocessed with the model's own preprocessing. */
    CompletableFuture<float[]> submit(List<BufferedImage> images, Duration timeout);

    /** Whether the queue is full now, so that a request would be rejected (a hint: submit decides). */
    boolean saturated();

    /** Whether it takes requests now. */
    boolean isReady();

    /** Blocks until ready; throws if it cannot become ready. */
    void awaitReady() throws InterruptedException;

    /** The most images one request may hold. */
    int maxImagesPerRequest();

    /** A hint for {@code Retry-After} after a rejection, in whole seconds (at least 1). */
    long retryAfterSeconds();

    /** Registers its gauges and counters, tagged with the model's name. */
    void registerMetrics(MeterRegistry registry, io.prometheus.metrics.model.registry.PrometheusRegistry prometheus,
            String model);

    /** Stops admitting, finishes what it can within {@code grace}, fails the rest; true if everything ran. */
    boolean close(Duration grace);

    /** One line describing the configuration, for the startup log. */
    String describe();
}
