package io.github.mobilenetj.server.load;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.serve.InferenceService;
import io.github.mobilenetj.serve.QueueFullException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * In-process throughput, without HTTP, for the load table's reference and for choosing defaults:
 * <ul>
 *   <li>{@code --mode sessions}: K platform threads each run their own session of T threads on
 *       batches of B zero-copy, back to back: the most the hardware gives for that K x T x B;
 *   <li>{@code --mode service}: C closed-loop client threads submit single images to an
 *       {@link InferenceService} of K x T with maxBatch B: what the service adds.
 * </ul>
 * Prints one JSON object.
 */
public final class InProcess {

    public static void main(String[] args) throws Throwable {
        Map<String, String> o = LoadGenerator.options(args);
        String mode = o.getOrDefault("mode", "sessions");
        int workers = Integer.parseInt(o.getOrDefault("workers", Integer.toString(MobileNetV1.maxThreads())));
        int threads = Integer.parseInt(o.getOrDefault("threads", "1"));
        int batch = Integer.parseInt(o.getOrDefault("max-batch", "1"));
        long delayMicros = Long.parseLong(o.getOrDefault("delay-us", "0"));
        int clients = Integer.parseInt(o.getOrDefault("clients", Integer.toString(2 * workers * batch + 2)));
        double duration = Double.parseDouble(o.getOrDefault("duration", "5"));
        double warmup = Double.parseDouble(o.getOrDefault("warmup", "1"));
        String label = o.getOrDefault("label", mode);
        if (o.containsKey("setenv")) {
            setenv(o.get("setenv"));
        }
        MobileNetV1 model = build(o.getOrDefault("model", "1.0,224"), threads, batch);
        try {
            String json = switch (mode) {
                case "sessions" -> sessions(model, workers, threads, batch, warmup, duration);
                case "service" -> service(model, workers, threads, batch, delayMicros, clients, warmup, duration);
                default -> throw new IllegalArgumentException("--mode is sessions or service");
            };
            System.out.println("{\"label\":\"" + label + "\",\"model\":\"" + model + "\",\"mode\":\"" + mode + "\",\"workers\":"
                    + workers + ",\"threads\":" + threads + ",\"max_batch\":" + batch + "," + json + "}");
        } finally {
            model.close();
        }
    }

    /**
     * Sets an environment variable of this process through libc's {@code setenv} (not overwriting
     * one the user set) before the library loads the OpenMP runtime, which reads its settings once,
     * when it is loaded: how a library can choose OpenMP's defaults from inside the JVM.
     */
    static void setenv(String assignment) throws Throwable {
        int eq = assignment.indexOf('=');
        java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
        java.lang.invoke.MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.ADDRESS,
                        java.lang.foreign.ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom(assignment.substring(0, eq)),
                    arena.allocateFrom(assignment.substring(eq + 1)), 0);
            if (rc != 0) {
                throw new IllegalStateException("setenv failed for " + assignment);
            }
        }
    }

    /** "A,R" for seeded random weights at width A and resolution R, or "bundled". */
    static MobileNetV1 build(String spec, int threads, int batch) throws InterruptedException {
        MobileNetV1[] built = new MobileNetV1[1];
        // On a thread that ends, so that no OpenMP team stays behind on this one.
        Thread t = Thread.ofPlatform().start(() -> {
            MobileNetV1.Builder b = MobileNetV1.builder().threads(threads).maxBatchSize(batch);
            if (spec.equals("bundled")) {
                built[0] = b.fashionMnist();
            } else {
                String[] parts = spec.split(",");
                built[0] = b.widthMultiplier(Double.parseDouble(parts[0])).resolution(Integer.parseInt(parts[1])).build();
            }
        });
        t.join();
        if (built[0] == null) {
            throw new IllegalStateException("could not build the model " + spec);
        }
        return built[0];
    }

    static String sessions(MobileNetV1 model, int workers, int threads, int batch, double warmup, double duration)
            throws InterruptedException {
        LongAdder images = new LongAdder();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (duration * 1e9);
        Recorder latency = new Recorder(3_600_000_000L, 3);
        List<Thread> all = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            all.add(Thread.ofPlatform().start(() -> {
                long imageBytes = (long) model.config().imageSize() * Float.BYTES;
                try (Arena arena = Arena.ofConfined(); Session session = model.newSession(threads)) {
                    MemorySegment in = arena.allocate(batch * imageBytes, 64);
                    MemorySegment out = arena.allocate((long) batch * model.config().classes() * Float.BYTES, 64);
                    fill(in);
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        session.run(in, out);
                        if (t0 >= measureFrom) {
                            images.add(batch);
                            latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                        }
                    }
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        var h = latency.getIntervalHistogram();
        return String.format(Locale.ROOT, "\"images_per_s\":%.2f,\"batch_p50_ms\":%.3f,\"batch_p99_ms\":%.3f",
                images.sum() / duration, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
    }

    static String service(MobileNetV1 model, int workers, int threads, int batch, long delayMicros, int clients,
            double warmup, double duration) throws InterruptedException {
        LongAdder images = new LongAdder();
        LongAdder rejected = new LongAdder();
        Recorder latency = new Recorder(3_600_000_000L, 3);
        try (InferenceService service = InferenceService.builder(model).workers(workers).threadsPerWorker(threads)
                .maxBatch(batch).maxQueueDelay(Duration.ofNanos(delayMicros * 1000)).queueCapacity(Math.max(64, 2 * clients))
                .build()) {
            service.awaitReady();
            long start = System.nanoTime();
            long measureFrom = start + (long) (warmup * 1e9);
            long end = measureFrom + (long) (duration * 1e9);
            List<Thread> all = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int seed = c;
                all.add(Thread.ofPlatform().start(() -> {
                    float[] input = new float[model.config().imageSize()];
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int i = 0; i < input.length; i++) {
                        input[i] = (float) (random.nextDouble() * 2 - 1);
                    }
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        try {
                            service.submit(input).join();
                            if (t0 >= measureFrom) {
                                images.increment();
                                latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                            }
                        } catch (QueueFullException e) {
                            rejected.increment();
                            Thread.onSpinWait();
                        }
                    }
                }));
            }
            for (Thread t : all) {
                t.join();
            }
            var h = latency.getIntervalHistogram();
            var stats = service.stats();
            return String.format(Locale.ROOT, "\"clients\":%d,\"images_per_s\":%.2f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                            + "\"mean_batch\":%.2f,\"rejected\":%d", clients, images.sum() / duration,
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, stats.meanBatchSize(),
                    rejected.sum());
        }
    }

    private static void fill(MemorySegment in) {
        SplittableRandom random = new SplittableRandom(1);
        long n = in.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            in.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (random.nextDouble() * 2 - 1));
        }
    }
}
