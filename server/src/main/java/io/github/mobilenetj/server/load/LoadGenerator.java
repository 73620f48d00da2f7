package io.github.mobilenetj.server.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load for a v2 inference server over loopback, bounded in time and count.
 *
 * <p><b>Open loop</b> ({@code --rate R}): request {@code i} is due at {@code start + i / R},
 * whatever happened to the earlier ones, and its latency is counted from that intended time (no
 * coordinated omission: a stalled server shows as latency, not as a lower send rate).
 * <b>Closed loop</b> ({@code --concurrency C}): C clients each send the next request when the
 * previous one is answered; used to find the capacity.
 *
 * <p>Prints one JSON object per run: throughput of successful requests, latency percentiles of
 * successes and of 429 rejections, counts by outcome, and the server's resident memory when its
 * pid is given.
 */
public final class LoadGenerator {

    private static final JsonFactory JSON = new JsonFactory();

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        String host = o.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(require(o, "port"));
        String model = require(o, "model");
        String format = o.getOrDefault("format", "binary");
        double rate = Double.parseDouble(o.getOrDefault("rate", "0"));
        int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "0"));
        double duration = Double.parseDouble(o.getOrDefault("duration", "5"));
        double warmup = Double.parseDouble(o.getOrDefault("warmup", "1"));
        long maxRequests = Long.parseLong(o.getOrDefault("max-requests", "100000000"));
        int timeoutMillis = Integer.parseInt(o.getOrDefault("timeout-ms", "30000"));
        int maxInflight = Integer.parseInt(o.getOrDefault("max-inflight", "4096"));
        long pid = Long.parseLong(o.getOrDefault("server-pid", "0"));
        String label = o.getOrDefault("label", format);
        if ((rate > 0) == (concurrency > 0)) {
            throw new IllegalArgumentException("give exactly one of --rate (open loop) and --concurrency (closed loop)");
        }
        if (duration <= 0 || duration > 3600 || warmup < 0 || warmup > 600) {
            throw new IllegalArgumentException("--duration must be in (0, 3600] s and --warmup in [0, 600] s");
        }
        if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("::1")) {
            throw new IllegalArgumentException("loopback only: --host must be 127.0.0.1, localhost or ::1");
        }
        try (MiniHttp http = new MiniHttp(host, port, timeoutMillis)) {
            Request request = request(http, model, format, o.get("image"));
            Result result = concurrency > 0
                    ? closedLoop(http, request, concurrency, warmup, duration, maxRequests, pid)
                    : openLoop(http, request, rate, warmup, duration, maxRequests, maxInflight, timeoutMillis, pid);
            System.out.println(result.json(label, format, rate, concurrency));
        }
    }

    // ------------------------------------------------------------------ the request

    /** A prebuilt request: head and body are sent as they are, every time. */
    record Request(byte[] head, byte[] body, int images) {
    }

    static Request request(MiniHttp http, String model, String format, String imageFile) throws IOException {
        MiniHttp.Response meta = http.exchange(http.getHead("/v2/models/" + model), null);
        if (meta.status() != 200) {
            throw new IllegalStateException("GET /v2/models/" + model + ": " + meta.status() + " "
                    + new String(meta.body(), StandardCharsets.UTF_8));
        }
        long[] shape = inputShape(meta.body());
        int floats = 1;
        for (int i = 1; i < shape.length; i++) {
            floats *= (int) shape[i];
        }
        String path = "/v2/models/" + model + "/infer";
        SplittableRandom random = new SplittableRandom(42);
        return switch (format) {
            case "binary" -> {
                byte[] data = new byte[floats * Float.BYTES];
                MemorySegment seg = MemorySegment.ofArray(data);
                for (int i = 0; i < floats; i++) {
                    seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4L,
                            (float) (random.nextDouble() * 4 - 2));
                }
                byte[] header = json(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("inputs");
                    g.writeStartObject();
                    g.writeStringField("name", "input");
                    g.writeStringField("datatype", "FP32");
                    writeShape(g, shape);
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", data.length);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeArrayFieldStart("outputs");
                    g.writeStartObject();
                    g.writeStringField("name", "logits");
                    g.writeObjectFieldStart("parameters");
                    g.writeBooleanField("binary_data", true);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                });
                byte[] body = new byte[header.length + data.length];
                System.arraycopy(header, 0, body, 0, header.length);
                System.arraycopy(data, 0, body, header.length, data.length);
                yield new Request(http.postHead(path, "application/octet-stream", body.length,
                        "Inference-Header-Content-Length: " + header.length), body, 1);
            }
            case "json" -> {
                int n = floats;
                byte[] body = json(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("inputs");
                    g.writeStartObject();
                    g.writeStringField("name", "input");
                    g.writeStringField("datatype", "FP32");
                    writeShape(g, shape);
                    g.writeArrayFieldStart("data");
                    for (int i = 0; i < n; i++) {
                        g.writeNumber((float) (random.nextDouble() * 4 - 2));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                });
                yield new Request(http.postHead(path, "application/json", body.length), body, 1);
            }
            case "png", "jpeg" -> {
                byte[] image = imageFile != null ? Files.readAllBytes(Path.of(imageFile)) : image(shape, format);
                String b64 = java.util.Base64.getEncoder().encodeToString(image);
                // BYTES in binary form: a 4-byte little-endian length, then the encoded image.
                byte[] data = new byte[4 + image.length];
                MemorySegment.ofArray(data).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                        image.length);
                System.arraycopy(image, 0, data, 4, image.length);
                byte[] header = json(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("inputs");
                    g.writeStartObject();
                    g.writeStringField("name", "image");
                    g.writeStringField("datatype", "BYTES");
                    writeShape(g, new long[] {1});
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", data.length);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeArrayFieldStart("outputs");
                    g.writeStartObject();
                    g.writeStringField("name", "logits");
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("classification", 1);
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                    g.writeEndObject();
                });
                if (b64.isEmpty()) {
                    throw new IllegalStateException("empty image");
                }
                byte[] body = new byte[header.length + data.length];
                System.arraycopy(header, 0, body, 0, header.length);
                System.arraycopy(data, 0, body, header.length, data.length);
                yield new Request(http.postHead(path, "application/octet-stream", body.length,
                        "Inference-Header-Content-Length: " + header.length), body, 1);
            }
            default -> throw new IllegalArgumentException("--format is binary, json, png or jpeg, got " + format);
        };
    }

    /**
     * An encoded test image for a model input of {@code shape}: for a 1-channel model the bundled
     * Fashion-MNIST sample (28x28 grayscale PNG), else a synthetic photo-like RGB image 8/7 the
     * model's resolution (so that the resize and the crop both run).
     */
    static byte[] image(long[] shape, String format) throws IOException {
        int channels = (int) shape[1];
        if (channels == 1) {
            try (InputStream in = LoadGenerator.class.getResourceAsStream("/io/github/mobilenetj/cli/samples/1-trouser.png")) {
                if (in == null) {
                    throw new IllegalStateException("the bundled sample image is not on the class path");
                }
                return in.readAllBytes();
            }
        }
        int size = (int) (shape[2] * 8 / 7);
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        SplittableRandom random = new SplittableRandom(7);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int r = (x * 255 / size + random.nextInt(32)) & 0xff;
                int g = (y * 255 / size + random.nextInt(32)) & 0xff;
                int b = ((x + y) * 127 / size + random.nextInt(32)) & 0xff;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format.equals("jpeg") ? "jpg" : "png", out);
        return out.toByteArray();
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeShape(JsonGenerator g, long[] shape) throws IOException {
        g.writeArrayFieldStart("shape");
        g.writeNumber(1);
        for (int i = 1; i < shape.length; i++) {
            g.writeNumber(shape[i]);
        }
        g.writeEndArray();
    }

    /** The shape of the model's FP32 input "input" from its metadata. */
    static long[] inputShape(byte[] metadata) throws IOException {
        try (JsonParser p = JSON.createParser(metadata)) {
            List<Long> shape = null;
            String name = null;
            int depth = 0;
            boolean inInputs = false;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME && depth == 1 && p.currentName().equals("inputs")) {
                    inInputs = true;
                } else if (inInputs && t == JsonToken.FIELD_NAME && p.currentName().equals("name")) {
                    p.nextToken();
                    name = p.getText();
                } else if (inInputs && t == JsonToken.FIELD_NAME && p.currentName().equals("shape") && "input".equals(name)) {
                    p.nextToken();
                    shape = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        shape.add(p.getLongValue());
                    }
                    break;
                } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
            if (shape == null) {
                throw new IllegalStateException("the model metadata has no input 'input'");
            }
            return shape.stream().mapToLong(Long::longValue).toArray();
        }
    }

    // ------------------------------------------------------------------ running

    /** Outcomes of a run. */
    static final class Result {
        final Recorder ok = new Recorder(3_600_000_000L, 3);
        final Recorder rejected = new Recorder(3_600_000_000L, 3);
        /** From the actual send, not the intended one: what the server took, without the client's own lag. */
        final Recorder okService = new Recorder(3_600_000_000L, 3);
        final Recorder rejectedService = new Recorder(3_600_000_000L, 3);
        /** How late each request left the client compared with its intended time (open loop). */
        final Recorder lag = new Recorder(3_600_000_000L, 3);
        final AtomicLong lastCompletion = new AtomicLong();
        final LongAdder sent = new LongAdder();
        final LongAdder status503 = new LongAdder();
        final LongAdder status504 = new LongAdder();
        final LongAdder status4xx = new LongAdder();
        final LongAdder status5xx = new LongAdder();
        final LongAdder clientErrors = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final AtomicLong rssStart = new AtomicLong();
        final AtomicLong rssMax = new AtomicLong();
        final AtomicLong rssEnd = new AtomicLong();
        volatile String firstError;
        double seconds;
        Histogram okHistogram;
        Histogram rejectedHistogram;

        void record(long latencyNanos, long serviceNanos, int status) {
            long micros = Math.min(Math.max(1, latencyNanos / 1000), 3_600_000_000L);
            long serviceMicros = Math.min(Math.max(1, serviceNanos / 1000), 3_600_000_000L);
            lastCompletion.accumulateAndGet(System.nanoTime(), Math::max);
            switch (status) {
                case 200 -> {
                    ok.recordValue(micros);
                    okService.recordValue(serviceMicros);
                }
                case 429 -> {
                    rejected.recordValue(micros);
                    rejectedService.recordValue(serviceMicros);
                }
                case 503 -> status503.increment();
                case 504 -> status504.increment();
                default -> {
                    if (status >= 500) {
                        status5xx.increment();
                    } else {
                        status4xx.increment();
                    }
                }
            }
        }

        void error(Throwable t) {
            clientErrors.increment();
            if (firstError == null) {
                firstError = t.toString();
            }
        }

        String json(String label, String format, double rate, int concurrency) {
            okHistogram = ok.getIntervalHistogram();
            rejectedHistogram = rejected.getIntervalHistogram();
            Histogram okServiceHistogram = okService.getIntervalHistogram();
            Histogram rejectedServiceHistogram = rejectedService.getIntervalHistogram();
            Histogram lagHistogram = lag.getIntervalHistogram();
            long okCount = okHistogram.getTotalCount();
            StringBuilder sb = new StringBuilder("{");
            field(sb, "label", "\"" + label + "\"");
            field(sb, "format", "\"" + format + "\"");
            field(sb, "rate", fmt(rate));
            field(sb, "concurrency", Integer.toString(concurrency));
            field(sb, "seconds", fmt(seconds));
            field(sb, "sent", Long.toString(sent.sum()));
            field(sb, "ok", Long.toString(okCount));
            field(sb, "throughput", fmt(okCount / seconds));
            field(sb, "p50_ms", ms(okHistogram, 50));
            field(sb, "p99_ms", ms(okHistogram, 99));
            field(sb, "p999_ms", ms(okHistogram, 99.9));
            field(sb, "max_ms", okCount == 0 ? "null" : fmt(okHistogram.getMaxValue() / 1000.0));
            field(sb, "p99_from_send_ms", ms(okServiceHistogram, 99));
            field(sb, "rejected", Long.toString(rejectedHistogram.getTotalCount()));
            field(sb, "rejected_p99_ms", ms(rejectedHistogram, 99));
            field(sb, "rejected_p99_from_send_ms", ms(rejectedServiceHistogram, 99));
            field(sb, "send_lag_p99_ms", ms(lagHistogram, 99));
            field(sb, "send_lag_max_ms", lagHistogram.getTotalCount() == 0 ? "null"
                    : fmt(lagHistogram.getMaxValue() / 1000.0));
            field(sb, "s503", Long.toString(status503.sum()));
            field(sb, "s504", Long.toString(status504.sum()));
            field(sb, "s4xx", Long.toString(status4xx.sum()));
            field(sb, "s5xx", Long.toString(status5xx.sum()));
            field(sb, "client_errors", Long.toString(clientErrors.sum()));
            field(sb, "dropped", Long.toString(dropped.sum()));
            field(sb, "rss_start_mb", rssStart.get() == 0 ? "null" : fmt(rssStart.get() / 1048576.0));
            field(sb, "rss_max_mb", rssMax.get() == 0 ? "null" : fmt(rssMax.get() / 1048576.0));
            field(sb, "rss_end_mb", rssEnd.get() == 0 ? "null" : fmt(rssEnd.get() / 1048576.0));
            field(sb, "first_error", firstError == null ? "null" : "\"" + firstError.replace("\"", "'") + "\"");
            sb.setLength(sb.length() - 1);
            return sb.append('}').toString();
        }

        private static void field(StringBuilder sb, String name, String value) {
            sb.append('"').append(name).append("\":").append(value).append(',');
        }

        private static String ms(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? "null" : fmt(h.getValueAtPercentile(percentile) / 1000.0);
        }

        private static String fmt(double v) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
    }

    static Result openLoop(MiniHttp http, Request request, double rate, double warmup, double duration, long maxRequests,
            int maxInflight, int timeoutMillis, long pid) throws InterruptedException {
        Result result = new Result();
        AtomicInteger inflight = new AtomicInteger();
        long period = (long) (1e9 / rate);
        long start = System.nanoTime() + 20_000_000L;
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (duration * 1e9);
        Thread rss = rssSampler(pid, result, measureFrom);
        for (long i = 0; i < maxRequests; i++) {
            long intended = start + i * period;
            if (intended >= end) {
                break;
            }
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            boolean measured = intended >= measureFrom;
            if (measured) {
                result.sent.increment();
            }
            if (inflight.get() >= maxInflight) {
                if (measured) {
                    result.dropped.increment();
                }
                continue;
            }
            inflight.incrementAndGet();
            Thread.startVirtualThread(() -> {
                try {
                    long sentAt = System.nanoTime();
                    if (measured) {
                        result.lag.recordValue(Math.max(1, (sentAt - intended) / 1000));
                    }
                    MiniHttp.Response r = http.exchange(request.head(), request.body());
                    if (measured) {
                        long now = System.nanoTime();
                        result.record(now - intended, now - sentAt, r.status());
                    }
                } catch (IOException | RuntimeException e) {
                    if (measured) {
                        result.error(e);
                    }
                } finally {
                    inflight.decrementAndGet();
                }
            });
        }
        long sendEnd = Math.min(end, System.nanoTime());
        long waitUntil = System.nanoTime() + timeoutMillis * 1_000_000L + 1_000_000_000L;
        while (inflight.get() > 0 && System.nanoTime() < waitUntil) {
            Thread.sleep(2);
        }
        // Throughput over the send window, or until the last answer if the backlog took longer to drain.
        long last = Math.max(sendEnd, result.lastCompletion.get());
        result.seconds = Math.max(1e-9, (last - measureFrom) / 1e9);
        stopSampler(rss, pid, result);
        return result;
    }

    static Result closedLoop(MiniHttp http, Request request, int concurrency, double warmup, double duration,
            long maxRequests, long pid) throws InterruptedException {
        Result result = new Result();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmup * 1e9);
        long end = measureFrom + (long) (duration * 1e9);
        AtomicLong budget = new AtomicLong(maxRequests);
        Thread rss = rssSampler(pid, result, measureFrom);
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            clients.add(Thread.startVirtualThread(() -> {
                while (budget.decrementAndGet() >= 0) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        break;
                    }
                    boolean measured = t0 >= measureFrom;
                    try {
                        MiniHttp.Response r = http.exchange(request.head(), request.body());
                        if (measured) {
                            result.sent.increment();
                            long now = System.nanoTime();
                            result.record(now - t0, now - t0, r.status());
                        }
                    } catch (IOException | RuntimeException e) {
                        if (measured) {
                            result.sent.increment();
                            result.error(e);
                        }
                    }
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        result.seconds = Math.max(1e-9, (Math.min(System.nanoTime(), end) - measureFrom) / 1e9);
        stopSampler(rss, pid, result);
        return result;
    }

    /** Samples the server's VmRSS every 100 ms (max over the measured window; first sample at its start). */
    private static Thread rssSampler(long pid, Result result, long measureFrom) {
        if (pid <= 0) {
            return null;
        }
        return Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long now = System.nanoTime();
                long rss = rss(pid);
                if (now >= measureFrom && rss > 0) {
                    result.rssStart.compareAndSet(0, rss);
                    result.rssMax.accumulateAndGet(rss, Math::max);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    private static void stopSampler(Thread sampler, long pid, Result result) throws InterruptedException {
        if (sampler != null) {
            sampler.interrupt();
            sampler.join();
            long rss = rss(pid);
            result.rssEnd.set(rss);
            result.rssMax.accumulateAndGet(rss, Math::max);
        }
    }

    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such process or not Linux
        }
        return 0;
    }

    // ------------------------------------------------------------------ options

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                o.put(a.substring(2, eq), a.substring(eq + 1));
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                o.put(a.substring(2), args[++i]);
            }
        }
        return o;
    }

    private static String require(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
