package io.github.mobilenetj.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A client of the Open Inference Protocol v2 REST API written from the spec (KServe's
 * "Predict Protocol - Version 2", Triton's binary tensor data and classification extensions),
 * independent of the server's code: what an existing v2 client sends and expects.
 */
final class V2Client {

    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    V2Client(String host, int port) {
        this.base = URI.create("http://" + host + ":" + port);
    }

    /** A raw HTTP reply. */
    record Reply(int status, Map<String, List<String>> headers, byte[] body) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) Json.parse(body);
        }

        /** The v2 error message of an error reply. */
        String error() {
            Object e = json().get("error");
            if (!(e instanceof String s)) {
                throw new AssertionError("no \"error\" string in " + new String(body, StandardCharsets.UTF_8));
            }
            return s;
        }

        @Override
        public String toString() {
            return status + " " + new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8);
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().timeout(Duration.ofSeconds(60)).build());
    }

    Reply post(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(r.statusCode(), r.headers().map(), r.body());
    }

    /** An input tensor: FP32 values or BYTES elements. */
    record Tensor(String name, String datatype, long[] shape, float[] fp32, List<byte[]> bytes) {
        static Tensor fp32(String name, long[] shape, float[] values) {
            return new Tensor(name, "FP32", shape, values, null);
        }

        static Tensor bytes(String name, List<byte[]> elements) {
            return new Tensor(name, "BYTES", new long[] {elements.size()}, null, elements);
        }

        byte[] binary() {
            if (fp32 != null) {
                byte[] out = new byte[fp32.length * 4];
                MemorySegment.copy(fp32, 0, MemorySegment.ofArray(out), LE_FLOAT, 0, fp32.length);
                return out;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] e : bytes) {
                byte[] length = new byte[4];
                MemorySegment.ofArray(length).set(LE_INT, 0, e.length);
                out.writeBytes(length);
                out.writeBytes(e);
            }
            return out.toByteArray();
        }
    }

    /** A requested output. */
    record Output(String name, boolean binary, int classification) {
    }

    /** A decoded inference response. */
    record Result(Reply reply, Map<String, Object> header, Map<String, float[]> fp32, Map<String, List<String>> strings,
            Map<String, long[]> shapes) {
    }

    /**
     * {@code POST /v2/models/{model}/infer}: the input as JSON data, or with {@code binaryInput}
     * as binary tensor data after the JSON header; outputs as requested.
     */
    Result infer(String model, Tensor input, boolean binaryInput, List<Output> outputs, Map<String, Object> parameters)
            throws IOException, InterruptedException {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("name", input.name());
        in.put("shape", input.shape());
        in.put("datatype", input.datatype());
        byte[] binary = null;
        if (binaryInput) {
            binary = input.binary();
            in.put("parameters", Map.of("binary_data_size", (long) binary.length));
        } else if (input.fp32() != null) {
            in.put("data", input.fp32());
        } else {
            List<Object> strings = new ArrayList<>();
            for (byte[] e : input.bytes()) {
                strings.add(java.util.Base64.getEncoder().encodeToString(e));
            }
            in.put("data", strings);
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("id", "test-request");
        if (parameters != null && !parameters.isEmpty()) {
            request.put("parameters", parameters);
        }
        request.put("inputs", List.of(in));
        if (outputs != null) {
            List<Object> outs = new ArrayList<>();
            for (Output o : outputs) {
                Map<String, Object> params = new LinkedHashMap<>();
                if (o.binary()) {
                    params.put("binary_data", true);
                }
                if (o.classification() > 0) {
                    params.put("classification", o.classification());
                }
                outs.add(params.isEmpty() ? Map.of("name", o.name()) : Map.of("name", o.name(), "parameters", params));
            }
            request.put("outputs", outs);
        }
        byte[] header = Json.write(request);
        Reply reply;
        if (binary != null) {
            byte[] body = new byte[header.length + binary.length];
            System.arraycopy(header, 0, body, 0, header.length);
            System.arraycopy(binary, 0, body, header.length, binary.length);
            reply = post("/v2/models/" + model + "/infer", body, "Content-Type", "application/octet-stream",
                    "Inference-Header-Content-Length", Integer.toString(header.length));
        } else {
            reply = post("/v2/models/" + model + "/infer", header, "Content-Type", "application/json");
        }
        return decode(reply);
    }

    @SuppressWarnings("unchecked")
    static Result decode(Reply reply) {
        if (reply.status() != 200) {
            return new Result(reply, null, Map.of(), Map.of(), Map.of());
        }
        byte[] body = reply.body();
        int headerLength = reply.header("Inference-Header-Content-Length").map(Integer::parseInt).orElse(body.length);
        Map<String, Object> header = (Map<String, Object>) Json.parse(body, 0, headerLength);
        Map<String, float[]> fp32 = new LinkedHashMap<>();
        Map<String, List<String>> strings = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        int offset = headerLength;
        for (Object o : (List<Object>) header.get("outputs")) {
            Map<String, Object> out = (Map<String, Object>) o;
            String name = (String) out.get("name");
            String datatype = (String) out.get("datatype");
            shapes.put(name, ((List<Object>) out.get("shape")).stream().mapToLong(x -> (Long) x).toArray());
            Map<String, Object> params = (Map<String, Object>) out.getOrDefault("parameters", Map.of());
            if (params.containsKey("binary_data_size")) {
                int size = (int) (long) (Long) params.get("binary_data_size");
                MemorySegment seg = MemorySegment.ofArray(body).asSlice(offset, size);
                if (datatype.equals("FP32")) {
                    float[] v = new float[size / 4];
                    MemorySegment.copy(seg, LE_FLOAT, 0, v, 0, v.length);
                    fp32.put(name, v);
                } else {
                    List<String> list = new ArrayList<>();
                    long at = 0;
                    while (at < size) {
                        int n = seg.get(LE_INT, at);
                        list.add(new String(body, offset + (int) at + 4, n, StandardCharsets.UTF_8));
                        at += 4 + n;
                    }
                    strings.put(name, list);
                }
                offset += size;
            } else if (datatype.equals("FP32")) {
                List<Object> data = (List<Object>) out.get("data");
                float[] v = new float[data.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = ((Number) data.get(i)).floatValue();
                }
                fp32.put(name, v);
            } else {
                strings.put(name, ((List<Object>) out.get("data")).stream().map(x -> (String) x).toList());
            }
        }
        if (offset != body.length) {
            throw new AssertionError("response has " + (body.length - offset) + " bytes after its binary outputs");
        }
        return new Result(reply, header, fp32, strings, shapes);
    }
}
