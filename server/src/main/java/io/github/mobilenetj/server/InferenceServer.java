package io.github.mobilenetj.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.InvalidImageException;
import io.github.mobilenetj.serve.DeadlineExceededException;
import io.github.mobilenetj.serve.InferenceServiceException;
import io.github.mobilenetj.serve.QueueFullException;
import io.github.mobilenetj.serve.ServiceClosedException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The HTTP server: the Open Inference Protocol v2 REST API (KServe / Triton) on Helidon SE's
 * WebServer (a virtual thread per request), over one {@link Backend} per model, plus
 * {@code GET /metrics} in Prometheus text format.
 */
final class InferenceServer {

    private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());
    static final HeaderName HEADER_LENGTH = HeaderNames.create("Inference-Header-Content-Length");
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";
    static final String SERVER_NAME = "mobilenetj";
    static final String SERVER_VERSION = "0.1.0";

    private final Map<String, ServedModel> models;
    private final V2Json json;
    private final long maxBodyBytes;
    private final PrometheusMeterRegistry metrics;
    private final AtomicReferenceArray<Counter> statusCounters = new AtomicReferenceArray<>(600);
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean draining;
    private WebServer web;

    InferenceServer(List<ServedModel> served, V2Json json, long maxBodyBytes) {
        Map<String, ServedModel> byName = new LinkedHashMap<>();
        for (ServedModel m : served) {
            if (byName.put(m.name, m) != null) {
                throw new IllegalArgumentException("two models are named '" + m.name + "'");
            }
        }
        this.models = Map.copyOf(byName);
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        Gauge.builder("process_resident_memory_bytes", InferenceServer::residentBytes)
                .description("resident set size of this process (VmRSS)").register(metrics);
        Gauge.builder("mobilenetj_http_inflight_requests", inflight, AtomicInteger::get)
                .description("inference requests being handled").register(metrics);
        for (ServedModel m : served) {
            m.backend.registerMetrics(metrics, metrics.getPrometheusRegistry(), m.name);
        }
        metrics.getPrometheusRegistry().register(ServiceBackend.collector(served));
    }

    /** Starts listening; returns at once (the models may still be warming up: ready then says 503). */
    InferenceServer start(String host, int port) {
        web = WebServer.builder()
                .host(host)
                .port(port)
                .shutdownHook(false) // Main drains on SIGTERM itself
                .maxPayloadSize(maxBodyBytes)
                .directHandlers(directHandlers())
                .routing(this::routing)
                .build()
                .start();
        return this;
    }

    int port() {
        return web.port();
    }

    Map<String, ServedModel> models() {
        return models;
    }

    /** Errors Helidon answers itself before routing (e.g. 413 from the payload limit), with the v2 error body. */
    private DirectHandlers directHandlers() {
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            b.addHandler(type, (request, event, status, headers, message) -> {
                count(status.code());
                return DirectHandler.TransportResponse.builder()
                        .status(status)
                        .headers(headers)
                        .header(HeaderNames.CONTENT_TYPE, JSON)
                        .keepAlive(event.keepAlive())
                        .entity(errorBody(message == null || message.isBlank() ? status.reasonPhrase() : message))
                        .build();
            });
        }
        return b.build();
    }

    private void routing(HttpRouting.Builder r) {
        r.get("/v2/health/live", (req, res) -> handle(res, () -> ok(res, "{\"live\":true}")))
                .get("/v2/health/ready", (req, res) -> handle(res, () -> ready(res)))
                .get("/v2", (req, res) -> handle(res, () -> serverMetadata(res)))
                .get("/v2/models/{name}", (req, res) -> handle(res, () -> sendJson(res, 200, model(req).metadata())))
                .get("/v2/models/{name}/versions/{version}", (req, res) -> handle(res, () -> sendJson(res, 200, model(req).metadata())))
                .get("/v2/models/{name}/ready", (req, res) -> handle(res, () -> modelReady(req, res)))
                .get("/v2/models/{name}/versions/{version}/ready", (req, res) -> handle(res, () -> modelReady(req, res)))
                .post("/v2/models/{name}/infer", (req, res) -> handle(res, () -> infer(req, res)))
                .post("/v2/models/{name}/versions/{version}/infer", (req, res) -> handle(res, () -> infer(req, res)))
                .get("/metrics", (req, res) -> handle(res, () -> {
                    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    count(200);
                    res.send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
                }))
                .route(Method.predicate(Method.GET, Method.POST, Method.PUT, Method.DELETE, Method.PATCH, Method.HEAD,
                        Method.OPTIONS), io.helidon.http.PathMatchers.any(), (req, res) -> handle(res, () -> {
                            throw unknownPath(req);
                        }));
    }

    private HttpError unknownPath(ServerRequest req) {
        String path = req.path().path();
        boolean known = path.equals("/v2") || path.startsWith("/v2/health/") || path.startsWith("/v2/models/")
                || path.equals("/metrics");
        if (known) {
            return new HttpError(405, "method " + req.prologue().method().text() + " is not allowed on " + path);
        }
        return new HttpError(404, "no such endpoint: " + req.prologue().method().text() + " " + path
                + " (the v2 API: /v2, /v2/health/live, /v2/health/ready, /v2/models/{name}, /v2/models/{name}/ready,"
                + " POST /v2/models/{name}/infer; and /metrics)");
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Runs a handler; every failure becomes a v2 error response, and bad input never a 500. */
    private void handle(ServerResponse res, Action action) {
        try {
            action.run();
        } catch (HttpError e) {
            sendError(res, e);
        } catch (io.helidon.http.RequestException e) {
            // A malformed request Helidon found while we read it (bad chunking, entity over the limit): its fault.
            int status = e.status().code() >= 500 ? 400 : e.status().code();
            if (!e.keepAlive()) {
                res.header(HeaderNames.CONNECTION, "close");
            }
            String message = e.getMessage() == null || e.getMessage().isBlank() ? e.status().reasonPhrase() : e.getMessage();
            sendError(res, new HttpError(status, "malformed request: " + message));
        } catch (io.helidon.http.HttpException e) {
            int status = e.status().code();
            sendError(res, new HttpError(status >= 500 ? 400 : status, "malformed request: " + e.getMessage()));
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "internal error", t);
            sendError(res, new HttpError(500, "internal error: " + t, 0, t));
        }
    }

    private void sendError(ServerResponse res, HttpError e) {
        if (res.isSent()) {
            return;
        }
        if (e.retryAfterSeconds > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds));
        }
        sendJson(res, e.status, errorBody(e.getMessage()));
    }

    private byte[] errorBody(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator g = json.generator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void sendJson(ServerResponse res, int status, byte[] body) {
        count(status);
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(body);
    }

    private void ok(ServerResponse res, String body) {
        sendJson(res, 200, body.getBytes(StandardCharsets.UTF_8));
    }

    private void count(int status) {
        int i = status >= 0 && status < 600 ? status : 0;
        Counter c = statusCounters.get(i);
        if (c == null) {
            c = Counter.builder("mobilenetj_http_responses").description("HTTP responses by status code")
                    .tag("status", Integer.toString(status)).register(metrics);
            statusCounters.set(i, c);
        }
        c.increment();
    }

    // ------------------------------------------------------------------ health and metadata

    boolean isReady() {
        if (draining) {
            return false;
        }
        for (ServedModel m : models.values()) {
            if (!m.backend.isReady()) {
                return false;
            }
        }
        return true;
    }

    private void ready(ServerResponse res) {
        if (isReady()) {
            ok(res, "{\"ready\":true}");
        } else {
            sendJson(res, 503, ("{\"ready\":false,\"error\":\"" + (draining ? "the server is shutting down" : "warming up")
                    + "\"}").getBytes(StandardCharsets.UTF_8));
        }
    }

    private void serverMetadata(ServerResponse res) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = json.generator(out)) {
            g.writeStartObject();
            g.writeStringField("name", SERVER_NAME);
            g.writeStringField("version", SERVER_VERSION);
            g.writeArrayFieldStart("extensions");
            g.writeString("binary_tensor_data");
            g.writeString("classification");
            g.writeEndArray();
            g.writeArrayFieldStart("models");
            for (String name : models.keySet().stream().sorted().toList()) {
                g.writeString(name);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        sendJson(res, 200, out.toByteArray());
    }

    private ServedModel model(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        ServedModel m = models.get(name);
        if (m == null) {
            throw new HttpError(404, "unknown model '" + name + "'; this server has " + models.keySet().stream().sorted().toList());
        }
        var version = req.path().pathParameters().first("version");
        if (version.isPresent() && !version.get().equals(ServedModel.VERSION)) {
            throw new HttpError(404, "model '" + name + "' has no version '" + version.get() + "' (only "
                    + ServedModel.VERSION + ")");
        }
        return m;
    }

    private void modelReady(ServerRequest req, ServerResponse res) {
        ServedModel m = model(req);
        if (!draining && m.backend.isReady()) {
            ok(res, "{\"name\":\"" + m.name + "\",\"ready\":true}");
        } else {
            throw new HttpError(503, "model '" + m.name + "' is not ready (" + (draining ? "shutting down" : "warming up")
                    + ")");
        }
    }

    // ------------------------------------------------------------------ inference

    private void infer(ServerRequest req, ServerResponse res) throws Exception {
        inflight.incrementAndGet();
        try {
            ServedModel m = model(req);
            if (draining) {
                res.header(HeaderNames.CONNECTION, "close");
                throw new HttpError(503, "the server is shutting down");
            }
            if (!m.backend.isReady()) {
                throw new HttpError(503, "model '" + m.name + "' is not ready (warming up)");
            }
            byte[] body = readBody(req);
            if (m.backend.saturated()) {
                // Overload: answer before spending CPU on parsing (submit would refuse it anyway).
                throw new HttpError(429, "model '" + m.name + "': the inference queue is full; retry later",
                        m.backend.retryAfterSeconds(), null);
            }
            int headerLength = headerLength(req, body.length);
            InferRequest r = json.parseInfer(body, 0, headerLength);
            List<BinaryPart> parts = binaryParts(r, body, headerLength, req.headers().contains(HEADER_LENGTH));
            if (r.inputs().size() != 1) {
                throw HttpError.badRequest("model '" + m.name + "' takes exactly one input, '" + ServedModel.INPUT
                        + "' (FP32 " + m.expectedShape("N") + ") or '" + ServedModel.IMAGE + "' (BYTES [N]); the request has "
                        + r.inputs().size());
            }
            List<InferRequest.Output> outputs = outputs(m, r);
            Duration timeout = r.timeoutMicros() > 0 ? Duration.of(r.timeoutMicros(), java.time.temporal.ChronoUnit.MICROS) : null;
            InferRequest.Input input = r.inputs().getFirst();
            BinaryPart binary = parts.getFirst();
            int images;
            CompletableFuture<float[]> future;
            try {
                switch (input.name()) {
                    case ServedModel.INPUT -> {
                        images = tensorImages(m, input, binary);
                        future = binary != null
                                ? m.backend.submit(floatSegment(body, binary), timeout)
                                : m.backend.submit(input.floats(), timeout);
                    }
                    case ServedModel.IMAGE -> {
                        List<BufferedImage> decoded = decodeImages(m, input, binary == null ? null : body, binary);
                        images = decoded.size();
                        future = m.backend.submit(decoded, timeout);
                    }
                    default -> throw HttpError.badRequest("model '" + m.name + "' has no input '" + input.name() + "'; give '"
                            + ServedModel.INPUT + "' (FP32 " + m.expectedShape("N") + ") or '" + ServedModel.IMAGE
                            + "' (BYTES [N], encoded PNG/JPEG images)");
                }
            } catch (RuntimeException e) {
                throw map(e, m);
            }
            float[] logits;
            try {
                logits = future.get();
            } catch (ExecutionException e) {
                throw map(e.getCause(), m);
            }
            respond(res, m, r, outputs, logits, images);
        } finally {
            inflight.decrementAndGet();
        }
    }

    /** The HTTP answer to each way the service can end a request. */
    private static HttpError map(Throwable t, ServedModel m) {
        return switch (t) {
            case HttpError e -> e;
            case QueueFullException e -> new HttpError(429, "model '" + m.name + "': " + e.getMessage(),
                    m.backend.retryAfterSeconds(), null);
            case DeadlineExceededException e -> new HttpError(504, "model '" + m.name + "': " + e.getMessage());
            case ServiceClosedException e -> new HttpError(503, "model '" + m.name + "': " + e.getMessage());
            case IllegalArgumentException e -> HttpError.badRequest(e.getMessage());
            case UnsupportedOperationException e -> HttpError.badRequest("model '" + m.name + "': " + e.getMessage());
            case InferenceServiceException e -> new HttpError(500, "model '" + m.name + "': " + e.getMessage(), 0, e);
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> new HttpError(500, "model '" + m.name + "': " + t, 0, t);
        };
    }

    private byte[] readBody(ServerRequest req) throws IOException {
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxBodyBytes) {
            throw new HttpError(413, "the request body has " + declared.getAsLong() + " bytes, more than the limit of "
                    + maxBodyBytes);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            if (declared.isPresent()) {
                byte[] body = in.readNBytes((int) declared.getAsLong());
                if (body.length != declared.getAsLong()) {
                    throw HttpError.badRequest("the request body ended after " + body.length + " of " + declared.getAsLong()
                            + " bytes");
                }
                return body;
            }
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw new HttpError(413, "the request body is larger than the limit of " + maxBodyBytes + " bytes");
            }
            return body;
        } catch (UncheckedIOException e) {
            throw HttpError.badRequest("could not read the request body: " + e.getMessage());
        }
    }

    private static int headerLength(ServerRequest req, int bodyLength) {
        var header = req.headers().first(HEADER_LENGTH);
        if (header.isEmpty()) {
            return bodyLength;
        }
        long length;
        try {
            length = Long.parseLong(header.get().trim());
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("Inference-Header-Content-Length is '" + header.get() + "', not a number");
        }
        if (length < 0 || length > bodyLength) {
            throw HttpError.badRequest("Inference-Header-Content-Length is " + length + " but the body has " + bodyLength
                    + " bytes");
        }
        return (int) length;
    }

    /** The binary tensor data of each input, in order (null where the data is in the JSON). */
    private record BinaryPart(int offset, int length) {
    }

    private static List<BinaryPart> binaryParts(InferRequest r, byte[] body, int headerLength, boolean binaryRequest) {
        List<BinaryPart> parts = new ArrayList<>();
        long offset = headerLength;
        for (InferRequest.Input in : r.inputs()) {
            if (in.binarySize() < 0) {
                parts.add(null);
                continue;
            }
            if (!binaryRequest) {
                throw HttpError.badRequest("input '" + in.name() + "' has parameters.binary_data_size but the request has no"
                        + " Inference-Header-Content-Length header (binary tensor data extension)");
            }
            if (in.binarySize() > body.length - offset) {
                throw HttpError.badRequest("input '" + in.name() + "' has binary_data_size " + in.binarySize() + " but only "
                        + (body.length - offset) + " bytes of binary data remain after the JSON header");
            }
            parts.add(new BinaryPart((int) offset, (int) in.binarySize()));
            offset += in.binarySize();
        }
        if (offset != body.length) {
            throw HttpError.badRequest((body.length - offset) + " bytes after the JSON header belong to no input"
                    + " (the binary_data_size values add up to " + (offset - headerLength) + ")");
        }
        return parts;
    }

    private static List<InferRequest.Output> outputs(ServedModel m, InferRequest r) {
        if (r.outputs().isEmpty()) {
            return List.of(new InferRequest.Output(ServedModel.OUTPUT, r.binaryOutput(), 0));
        }
        List<InferRequest.Output> list = new ArrayList<>();
        for (InferRequest.Output o : r.outputs()) {
            if (!o.name().equals(ServedModel.OUTPUT)) {
                throw HttpError.badRequest("model '" + m.name + "' has no output '" + o.name() + "'; its output is '"
                        + ServedModel.OUTPUT + "' (FP32 [N, " + m.classes + "])");
            }
            list.add(new InferRequest.Output(o.name(), o.binary() || r.binaryOutput(), Math.min(o.classification(), m.classes)));
        }
        return list;
    }

    /** Checks an FP32 input tensor against the model; returns its number of images. */
    private static int tensorImages(ServedModel m, InferRequest.Input in, BinaryPart binary) {
        String named = "input '" + in.name() + "'";
        if (!in.datatype().equals("FP32")) {
            throw HttpError.badRequest(named + " has datatype " + in.datatype() + "; expected FP32");
        }
        long[] shape = in.shape();
        boolean fits = shape.length == m.imageShape.length + 1 && shape[0] >= 1;
        for (int i = 0; fits && i < m.imageShape.length; i++) {
            fits = shape[i + 1] == m.imageShape[i];
        }
        if (!fits) {
            throw HttpError.badRequest(named + " has shape " + Arrays.toString(shape) + "; model '" + m.name + "' expects "
                    + m.expectedShape("N") + " with N >= 1");
        }
        if (shape[0] > m.backend.maxImagesPerRequest()) {
            throw new HttpError(413, named + " holds " + shape[0] + " images, more than the " + m.backend.maxImagesPerRequest()
                    + " this server takes in one request");
        }
        int images = (int) shape[0];
        long floats = (long) images * m.imageFloats;
        if (binary != null) {
            if (binary.length() != floats * Float.BYTES) {
                throw HttpError.badRequest(named + " has binary_data_size " + binary.length() + "; shape "
                        + Arrays.toString(shape) + " of FP32 needs " + floats * Float.BYTES + " bytes");
            }
        } else {
            if (in.floats() == null) {
                throw HttpError.badRequest(named + " holds strings; FP32 data must be numbers");
            }
            if (in.floats().length != floats) {
                throw HttpError.badRequest(named + " has " + in.floats().length + " values; shape " + Arrays.toString(shape)
                        + " needs " + floats);
            }
            for (int i = 0; i < in.floats().length; i++) {
                if (!Float.isFinite(in.floats()[i])) {
                    throw HttpError.badRequest(named + " value " + i + " is " + in.floats()[i] + "; values must be finite");
                }
            }
        }
        return images;
    }

    /** The binary FP32 data as a segment of native-order floats (the wire is little-endian). */
    private static MemorySegment floatSegment(byte[] body, BinaryPart part) {
        MemorySegment bytes = MemorySegment.ofArray(body).asSlice(part.offset(), part.length());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            float[] floats = new float[part.length() / Float.BYTES];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = bytes.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4L);
            }
            bytes = MemorySegment.ofArray(floats);
        }
        long count = bytes.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            float v = bytes.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i * Float.BYTES);
            if (!Float.isFinite(v)) {
                throw HttpError.badRequest("input '" + ServedModel.INPUT + "' value " + i + " is " + v
                        + "; values must be finite");
            }
        }
        return bytes;
    }

    /** Decodes a BYTES input of encoded images: binary elements, or base64 strings in the JSON. */
    private static List<BufferedImage> decodeImages(ServedModel m, InferRequest.Input in, byte[] body, BinaryPart binary) {
        String named = "input '" + in.name() + "'";
        if (!in.datatype().equals("BYTES")) {
            throw HttpError.badRequest(named + " has datatype " + in.datatype() + "; expected BYTES (encoded PNG/JPEG images)");
        }
        List<byte[]> elements;
        if (binary != null) {
            elements = bytesElements(body, binary, named);
        } else {
            if (in.strings() == null) {
                throw HttpError.badRequest(named + " holds numbers; BYTES data must be strings (base64-encoded images)");
            }
            elements = new ArrayList<>(in.strings().size());
            for (int i = 0; i < in.strings().size(); i++) {
                try {
                    // Strict base64 (line breaks allowed): a lenient decoder would skip garbage and decode nothing.
                    String text = new String(in.strings().get(i), StandardCharsets.UTF_8).replaceAll("[\\r\\n]", "");
                    elements.add(Base64.getDecoder().decode(text));
                } catch (IllegalArgumentException e) {
                    throw HttpError.badRequest(named + " element " + i + " is not base64: " + e.getMessage()
                            + " (in JSON, BYTES images are base64 strings; send raw bytes with the binary extension)");
                }
            }
        }
        long declared = 1;
        for (long d : in.shape()) {
            declared = d > 0 && declared > Long.MAX_VALUE / d ? Long.MAX_VALUE : declared * d;
        }
        if (in.shape().length == 0 || in.shape().length > 2 || (in.shape().length == 2 && in.shape()[1] != 1)
                || declared != elements.size()) {
            throw HttpError.badRequest(named + " has shape " + Arrays.toString(in.shape()) + " and " + elements.size()
                    + " element(s); expected shape [N] (or [N, 1]) with N the number of images");
        }
        if (elements.isEmpty()) {
            throw HttpError.badRequest(named + " holds no images");
        }
        if (elements.size() > m.backend.maxImagesPerRequest()) {
            throw new HttpError(413, named + " holds " + elements.size() + " images, more than the "
                    + m.backend.maxImagesPerRequest() + " this server takes in one request");
        }
        List<BufferedImage> images = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            try {
                images.add(ImageFiles.decode(elements.get(i)));
            } catch (InvalidImageException e) {
                throw HttpError.badRequest(named + " element " + i + ": " + e.getMessage());
            } catch (RuntimeException e) {
                // A decoder's own failure on hostile bytes is still the request's fault.
                throw HttpError.badRequest(named + " element " + i + ": not a decodable image (" + e + ")");
            }
        }
        return images;
    }

    /** BYTES binary data: elements each prefixed by a 4-byte little-endian length. */
    private static List<byte[]> bytesElements(byte[] body, BinaryPart part, String named) {
        List<byte[]> out = new ArrayList<>();
        int at = part.offset();
        int end = part.offset() + part.length();
        while (at < end) {
            if (end - at < 4) {
                throw HttpError.badRequest(named + " binary data ends inside the length of element " + out.size());
            }
            long length = Integer.toUnsignedLong(MemorySegment.ofArray(body).get(
                    ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at));
            at += 4;
            if (length > end - at) {
                throw HttpError.badRequest(named + " element " + out.size() + " declares " + length + " bytes but "
                        + (end - at) + " remain");
            }
            out.add(Arrays.copyOfRange(body, at, at + (int) length));
            at += (int) length;
        }
        return out;
    }

    private void respond(ServerResponse res, ServedModel m, InferRequest r, List<InferRequest.Output> outputs, float[] logits,
            int images) throws IOException {
        List<byte[]> binaries = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (binariesWanted(outputs) ? 0 : logits.length * 12));
        try (JsonGenerator g = json.generator(out)) {
            g.writeStartObject();
            g.writeStringField("model_name", m.name);
            g.writeStringField("model_version", ServedModel.VERSION);
            if (r.id() != null) {
                g.writeStringField("id", r.id());
            }
            g.writeArrayFieldStart("outputs");
            for (InferRequest.Output o : outputs) {
                g.writeStartObject();
                g.writeStringField("name", o.name());
                if (o.classification() > 0) {
                    int k = o.classification();
                    g.writeStringField("datatype", "BYTES");
                    shape(g, images, k);
                    List<String> classes = new ArrayList<>(images * k);
                    for (int i = 0; i < images; i++) {
                        for (int index : topK(logits, i * m.classes, m.classes, k)) {
                            classes.add(m.classification(logits[i * m.classes + index], index));
                        }
                    }
                    if (o.binary()) {
                        byte[] data = bytesTensor(classes);
                        binaryParameter(g, data.length);
                        binaries.add(data);
                    } else {
                        g.writeArrayFieldStart("data");
                        for (String c : classes) {
                            g.writeString(c);
                        }
                        g.writeEndArray();
                    }
                } else {
                    g.writeStringField("datatype", "FP32");
                    shape(g, images, m.classes);
                    if (o.binary()) {
                        byte[] data = new byte[logits.length * Float.BYTES];
                        MemorySegment.copy(logits, 0, MemorySegment.ofArray(data),
                                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, logits.length);
                        binaryParameter(g, data.length);
                        binaries.add(data);
                    } else {
                        g.writeArrayFieldStart("data");
                        for (float v : logits) {
                            g.writeNumber(v);
                        }
                        g.writeEndArray();
                    }
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        count(200);
        if (binaries.isEmpty()) {
            res.header(HeaderNames.CONTENT_TYPE, JSON);
            res.send(out.toByteArray());
            return;
        }
        int headerLength = out.size();
        for (byte[] b : binaries) {
            out.write(b);
        }
        res.header(HeaderNames.CONTENT_TYPE, OCTETS);
        res.header(HEADER_LENGTH, Integer.toString(headerLength));
        res.send(out.toByteArray());
    }

    private static boolean binariesWanted(List<InferRequest.Output> outputs) {
        return outputs.stream().allMatch(InferRequest.Output::binary);
    }

    private static void shape(JsonGenerator g, long... dims) throws IOException {
        g.writeArrayFieldStart("shape");
        for (long d : dims) {
            g.writeNumber(d);
        }
        g.writeEndArray();
    }

    private static void binaryParameter(JsonGenerator g, long size) throws IOException {
        g.writeObjectFieldStart("parameters");
        g.writeNumberField("binary_data_size", size);
        g.writeEndObject();
    }

    /** The BYTES wire format: each element as a 4-byte little-endian length and its UTF-8 bytes. */
    private static byte[] bytesTensor(List<String> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : elements) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b.length & 0xff);
            out.write((b.length >>> 8) & 0xff);
            out.write((b.length >>> 16) & 0xff);
            out.write((b.length >>> 24) & 0xff);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** Indices of the k largest logits, largest first, ties by lower index; NaN ranks below every number. */
    static int[] topK(float[] logits, int offset, int count, int k) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            float x = logits[offset + a];
            float y = logits[offset + b];
            boolean xn = Float.isNaN(x);
            boolean yn = Float.isNaN(y);
            if (xn || yn) {
                return xn == yn ? Integer.compare(a, b) : (xn ? 1 : -1);
            }
            int c = Float.compare(y, x);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] top = new int[Math.min(k, count)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        return top;
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * The SIGTERM sequence: ready and new inference requests answer 503 at once; every backend
     * stops admitting and finishes what it queued within {@code grace} (failing the rest with
     * 503); the responses in flight are written; then the listener stops.
     *
     * @return true if everything queued ran
     */
    boolean drain(Duration grace) {
        draining = true;
        long start = System.nanoTime();
        boolean clean = true;
        for (ServedModel m : models.values()) {
            Duration left = grace.minusNanos(System.nanoTime() - start);
            clean &= m.backend.close(left.isNegative() ? Duration.ZERO : left);
        }
        // Handlers whose futures just completed still write their responses.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (inflight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (web != null) {
            web.stop();
        }
        for (ServedModel m : models.values()) {
            m.model.close();
        }
        return clean;
    }

    /** This process's resident set size from /proc/self/status (Linux), or NaN elsewhere. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }
}
