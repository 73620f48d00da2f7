package io.github.mobilenetj.server;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.serve.InferenceService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * {@code java -jar mobilenetj-server.jar}: builds the models, starts the server, drains and exits
 * 0 on SIGTERM (or SIGINT). See {@link ServerOptions#USAGE}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        ServerOptions options;
        try {
            options = ServerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mobilenetj serve: " + e.getMessage());
            System.err.println("(--help for the options)");
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(ServerOptions.USAGE);
            return;
        }
        InferenceServer server;
        try {
            server = start(options);
        } catch (RuntimeException e) {
            System.err.println("mobilenetj serve: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runnable drain = () -> {
            System.out.println("mobilenetj serve: draining (up to " + options.drainSeconds + " s)");
            boolean clean = server.drain(Duration.ofSeconds(options.drainSeconds));
            System.out.println("mobilenetj serve: stopped" + (clean ? "" : " (requests still queued at the end of the"
                    + " grace period were answered 503)"));
            System.out.flush();
            System.exit(0);
        };
        AtomicReference<Thread> drainer = new AtomicReference<>();
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), s -> {
                // Not a daemon (the signal thread is one, and a thread inherits that): the JVM must not end mid-drain.
                Thread t = Thread.ofPlatform().name("drain").daemon(false).unstarted(drain);
                if (drainer.compareAndSet(null, t)) {
                    t.start();
                }
            });
        }
        System.out.println("mobilenetj serve: listening on http://" + options.host + ":" + server.port() + " (models: "
                + String.join(", ", server.models().keySet()) + ")");
        for (ServedModel m : server.models().values()) {
            System.out.println("  " + m.name + ": " + m.model + "; " + m.backend.describe());
        }
        System.out.flush();
        try {
            for (ServedModel m : server.models().values()) {
                m.backend.awaitReady();
            }
            System.out.println("mobilenetj serve: ready");
            System.out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("mobilenetj serve: a model failed to warm up: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Builds every model and its backend, and starts listening (warm-up goes on in the background). */
    static InferenceServer start(ServerOptions o) {
        V2Json json = new V2Json(o.maxBodyBytes);
        List<ServedModel> served = new ArrayList<>();
        try {
            for (ServerOptions.ModelSource source : o.models) {
                MobileNetV1 model = build(source, o);
                Backend backend;
                if (o.naive) {
                    backend = new NaiveBackend(model, o.naiveThreads);
                } else {
                    InferenceService.Builder b = InferenceService.builder(model).threadsPerWorker(o.threads)
                            .maxBatch(o.maxBatch).maxQueueDelay(Duration.ofNanos(o.maxQueueDelayMicros * 1000))
                            .name("model '" + source.name() + "'");
                    if (o.workers > 0) {
                        b.workers(o.workers);
                    }
                    if (o.queue > 0) {
                        b.queueCapacity(o.queue);
                    }
                    if (o.timeout() != null) {
                        b.timeout(o.timeout());
                    }
                    try {
                        backend = new ServiceBackend(b.build());
                    } catch (RuntimeException e) {
                        model.close();
                        throw e;
                    }
                }
                served.add(new ServedModel(source.name(), model, backend, json));
            }
            return new InferenceServer(served, json, o.maxBodyBytes).start(o.host, o.port);
        } catch (RuntimeException e) {
            for (ServedModel m : served) {
                m.backend.close(Duration.ZERO);
                m.model.close();
            }
            throw e;
        }
    }

    /**
     * Builds a model on a short-lived thread: building runs oneDNN (weight reorders) on the
     * building thread, and an OpenMP team left behind on a thread that lives on costs the workers
     * time; a thread that ends frees its team.
     */
    static MobileNetV1 build(ServerOptions.ModelSource source, ServerOptions o) {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("build-" + source.name()).start(() -> {
            try {
                MobileNetV1.Builder b = MobileNetV1.builder().maxBatchSize(Math.max(1, o.maxBatch));
                if (!o.naive) {
                    b.threads(o.threads); // naive: the default, every core
                }
                if (o.precision != null) {
                    b.precision(o.precision);
                }
                MobileNetV1 model;
                if (source.random()) {
                    model = b.widthMultiplier(source.alpha()).resolution(source.resolution()).classes(source.classes()).build();
                } else if (source.bundled()) {
                    model = b.fashionMnist();
                } else {
                    model = b.load(source.file());
                }
                result.set(model);
            } catch (IOException e) {
                result.set(new UncheckedIOException("model '" + source.name() + "': " + e.getMessage(), e));
            } catch (RuntimeException | Error e) {
                result.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building model '" + source.name() + "'");
        }
        return switch (result.get()) {
            case MobileNetV1 m -> m;
            case RuntimeException e -> throw new IllegalArgumentException("model '" + source.name() + "': " + e.getMessage(), e);
            case Error e -> throw e;
            default -> throw new IllegalStateException("model '" + source.name() + "' was not built");
        };
    }
}
