/**
 * Serving one shared model to many concurrent callers: {@link io.github.mobilenetj.serve.InferenceService},
 * a bounded queue in front of {@code K} worker threads that each own a session of {@code T} OpenMP
 * threads, with micro-batching, deadlines, warm-up, a graceful close and statistics for a metrics
 * layer ({@link io.github.mobilenetj.serve.ServiceStats}).
 *
 * {@snippet class=io.github.mobilenetj.serve.ServiceSnippets region=service}
 *
 * <p>In a request handler, every way a request can end has its own exception, so each maps to one
 * answer (here HTTP status codes):
 *
 * {@snippet class=io.github.mobilenetj.serve.ServiceSnippets region=handler}
 *
 * <p>Sizing: {@code K x T} may not exceed the processors available to the JVM. One worker with
 * every core ({@code workers(1).threadsPerWorker(cores)}) gives the lowest latency on an idle
 * machine; one single-threaded worker per core (the default) gives the most throughput under
 * load and keeps its latency when other processes compete for the cores, because a one-thread
 * OpenMP team never waits at a barrier for a preempted team mate.
 */
package io.github.mobilenetj.serve;
