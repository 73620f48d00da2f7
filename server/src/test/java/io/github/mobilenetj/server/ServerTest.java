package io.github.mobilenetj.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.server.V2Client.Output;
import io.github.mobilenetj.server.V2Client.Reply;
import io.github.mobilenetj.server.V2Client.Result;
import io.github.mobilenetj.server.V2Client.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server on an ephemeral loopback port, through a v2 client written from the spec: every
 * endpoint, the binary tensor and classification extensions, encoded images, the error statuses
 * of bad input, concurrency, metrics, and a short load smoke. Numbers are checked against
 * PyTorch's logits for the bundled model (Fashion-MNIST test images) and against serial session
 * runs for a random-weights model.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ServerTest {

    static final String FASHION = "fashion-mnist";
    static final String TINY = "tiny";
    static final long MAX_BODY = 4L << 20;
    static final int QUEUE = 32;

    static InferenceServer server;
    static V2Client client;
    /** The bundled model and a copy of the tiny one, built here for inputs and serial references. */
    static MobileNetV1 fashion;
    static MobileNetV1 tiny;

    @BeforeAll
    static void start() throws Exception {
        ServerOptions options = ServerOptions.parse("--host", "127.0.0.1", "--port", "0",
                "--model", FASHION + "=bundled", "--random-model", TINY + "=0.25,96,1000",
                "--workers", "1", "--max-batch", "4", "--max-queue-delay-us", "500", "--queue", Integer.toString(QUEUE),
                "--max-body-bytes", Long.toString(MAX_BODY), "--timeout-ms", "60000");
        server = Main.start(options);
        for (ServedModel m : server.models().values()) {
            m.backend.awaitReady();
        }
        client = new V2Client("127.0.0.1", server.port());
        fashion = MobileNetV1.builder().threads(1).fashionMnist();
        tiny = MobileNetV1.builder().widthMultiplier(0.25).resolution(96).classes(1000).threads(1).maxBatchSize(2).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.drain(Duration.ofSeconds(10));
        }
        if (fashion != null) {
            fashion.close();
        }
        if (tiny != null) {
            tiny.close();
        }
    }

    static FashionData data() throws IOException {
        assumeTrue(FashionData.available(), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        return FashionData.load(16);
    }

    static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Preprocessed FP32 inputs of test images {@code from .. from + count - 1}, batched. */
    static float[] fashionInputs(FashionData data, int from, int count) {
        List<float[]> parts = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            parts.add(fashion.preprocess(data.image(i)));
        }
        return concat(parts);
    }

    static long[] fashionShape(int n) {
        return new long[] {n, 1, 64, 64};
    }

    static float[] random(int floats, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[floats];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return x;
    }

    // ------------------------------------------------------------------ endpoints

    @Test
    void healthAndMetadataFollowTheSpec() throws Exception {
        Reply live = client.get("/v2/health/live");
        assertEquals(200, live.status(), live.toString());
        Reply ready = client.get("/v2/health/ready");
        assertEquals(200, ready.status(), ready.toString());
        assertEquals(true, ready.json().get("ready"));

        Map<String, Object> meta = client.get("/v2").json();
        assertEquals("mobilenetj", meta.get("name"));
        assertNotNull(meta.get("version"));
        assertEquals(List.of("binary_tensor_data", "classification"), meta.get("extensions"));

        for (String path : List.of("/v2/models/" + FASHION, "/v2/models/" + FASHION + "/versions/1")) {
            Reply r = client.get(path);
            assertEquals(200, r.status(), r.toString());
            assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"));
            Map<String, Object> m = r.json();
            assertEquals(FASHION, m.get("name"));
            assertEquals(List.of("1"), m.get("versions"));
            assertEquals(List.of(Map.of("name", "input", "datatype", "FP32", "shape", List.of(-1L, 1L, 64L, 64L)),
                    Map.of("name", "image", "datatype", "BYTES", "shape", List.of(-1L))), m.get("inputs"));
            assertEquals(List.of(Map.of("name", "logits", "datatype", "FP32", "shape", List.of(-1L, 10L))), m.get("outputs"));
            @SuppressWarnings("unchecked")
            Map<String, Object> params = (Map<String, Object>) m.get("parameters");
            assertEquals(fashion.labels().names(), params.get("labels"));
        }
        assertEquals(200, client.get("/v2/models/" + TINY + "/ready").status());
        assertEquals(200, client.get("/v2/models/" + FASHION + "/versions/1/ready").status());
    }

    @Test
    void unknownModelsVersionsPathsAndMethodsAre404And405WithAnErrorBody() throws Exception {
        for (String path : List.of("/v2/models/nope", "/v2/models/nope/ready", "/v2/models/" + FASHION + "/versions/2",
                "/v2/models/" + FASHION + "/versions/2/ready")) {
            Reply r = client.get(path);
            assertEquals(404, r.status(), path + ": " + r);
            assertTrue(r.error().contains("nope") || r.error().contains("version '2'"), r.error());
        }
        Reply infer = client.post("/v2/models/nope/infer", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(404, infer.status(), infer.toString());
        assertTrue(infer.error().contains("unknown model 'nope'"), infer.error());
        Reply path = client.get("/v3/whatever");
        assertEquals(404, path.status());
        assertTrue(path.error().contains("no such endpoint"), path.error());
        Reply method = client.get("/v2/models/" + FASHION + "/infer");
        assertEquals(405, method.status(), method.toString());
        assertTrue(method.error().contains("GET"), method.error());
        Reply delete = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v2/models/"
                + FASHION)).DELETE().build());
        assertEquals(405, delete.status());
    }

    // ------------------------------------------------------------------ inference

    @Test
    void jsonTensorsGivePyTorchsLogits() throws Exception {
        FashionData data = data();
        // Four images in one request, then single images.
        Result batch = client.infer(FASHION, Tensor.fp32("input", fashionShape(4), fashionInputs(data, 0, 4)), false, null,
                null);
        assertEquals(200, batch.reply().status(), batch.reply().toString());
        assertEquals("test-request", batch.header().get("id"));
        assertEquals(FASHION, batch.header().get("model_name"));
        assertEquals("1", batch.header().get("model_version"));
        assertArrayEquals(new long[] {4, 10}, batch.shapes().get("logits"));
        FashionData.assertClose(data.logits(0, 4), batch.fp32().get("logits"), "images 0-3");
        for (int i = 4; i < 8; i++) {
            Result one = client.infer(FASHION, Tensor.fp32("input", fashionShape(1), fashionInputs(data, i, 1)), false,
                    List.of(new Output("logits", false, 0)), null);
            FashionData.assertClose(data.logits(i, 1), one.fp32().get("logits"), "image " + i);
        }
    }

    @Test
    void binaryTensorDataExtensionInAndOut() throws Exception {
        FashionData data = data();
        float[] input = fashionInputs(data, 0, 3);
        Result binary = client.infer(FASHION, Tensor.fp32("input", fashionShape(3), input), true,
                List.of(new Output("logits", true, 0)), null);
        assertEquals(200, binary.reply().status(), binary.reply().toString());
        assertEquals("application/octet-stream", binary.reply().header("Content-Type").orElse(""));
        assertTrue(binary.reply().header("Inference-Header-Content-Length").isPresent());
        FashionData.assertClose(data.logits(0, 3), binary.fp32().get("logits"), "binary in, binary out");
        // Binary in, JSON out; JSON in, binary out (request-level binary_data_output).
        Result jsonOut = client.infer(FASHION, Tensor.fp32("input", fashionShape(3), input), true, null, null);
        assertTrue(jsonOut.reply().header("Inference-Header-Content-Length").isEmpty());
        FashionData.assertClose(data.logits(0, 3), jsonOut.fp32().get("logits"), "binary in, JSON out");
        Result binOut = client.infer(FASHION, Tensor.fp32("input", fashionShape(3), input), false, null,
                Map.of("binary_data_output", true));
        assertTrue(binOut.reply().header("Inference-Header-Content-Length").isPresent());
        FashionData.assertClose(data.logits(0, 3), binOut.fp32().get("logits"), "JSON in, binary out");
    }

    @Test
    void classificationExtensionGivesScoreIndexLabel() throws Exception {
        FashionData data = data();
        float[] input = fashionInputs(data, 0, 2);
        for (boolean binary : new boolean[] {false, true}) {
            Result r = client.infer(FASHION, Tensor.fp32("input", fashionShape(2), input), false,
                    List.of(new Output("logits", binary, 3)), null);
            assertEquals(200, r.reply().status(), r.reply().toString());
            assertArrayEquals(new long[] {2, 3}, r.shapes().get("logits"));
            List<String> classes = r.strings().get("logits");
            assertEquals(6, classes.size());
            for (int image = 0; image < 2; image++) {
                float[] torch = data.logits(image, 1);
                Integer[] order = new Integer[10];
                for (int c = 0; c < 10; c++) {
                    order[c] = c;
                }
                Arrays.sort(order, (a, b) -> Float.compare(torch[b], torch[a]));
                for (int k = 0; k < 3; k++) {
                    String[] parts = classes.get(image * 3 + k).split(":", 3);
                    int index = Integer.parseInt(parts[1]);
                    assertEquals(order[k], index, "image " + image + " rank " + k + ": " + classes);
                    assertEquals(torch[index], Float.parseFloat(parts[0]), 1e-4 * Math.abs(torch[order[0]]), "score is the logit");
                    assertEquals(fashion.labels().name(index), parts[2]);
                }
            }
        }
        // k above the number of classes gives every class.
        Result all = client.infer(FASHION, Tensor.fp32("input", fashionShape(1), fashionInputs(data, 0, 1)), false,
                List.of(new Output("logits", false, 50)), null);
        assertEquals(10, all.strings().get("logits").size());
    }

    @Test
    void encodedImagesAreDecodedAndPreprocessedByTheServer() throws Exception {
        FashionData data = data();
        List<byte[]> pngs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pngs.add(data.png(i));
        }
        for (boolean binary : new boolean[] {true, false}) { // raw bytes, then base64 strings in the JSON
            Result r = client.infer(FASHION, Tensor.bytes("image", pngs), binary, null, null);
            assertEquals(200, r.reply().status(), r.reply().toString());
            assertArrayEquals(new long[] {5, 10}, r.shapes().get("logits"));
            FashionData.assertClose(data.logits(0, 5), r.fp32().get("logits"), "PNG images (binary " + binary + ")");
        }
        // A PNG classified end to end, as the README's curl does.
        Result top = client.infer(FASHION, Tensor.bytes("image", List.of(pngs.get(1))), true,
                List.of(new Output("logits", false, 1)), null);
        int expected = FashionData.argmax(data.logits(1, 1), 0, 10);
        assertTrue(top.strings().get("logits").getFirst().endsWith(":" + expected + ":" + fashion.labels().name(expected)),
                top.strings().toString());
        // An RGB JPEG on the 3-channel model: the server's answer is the library's own pipeline run serially.
        BufferedImage rgb = new BufferedImage(150, 120, BufferedImage.TYPE_INT_RGB);
        SplittableRandom random = new SplittableRandom(3);
        for (int y = 0; y < 120; y++) {
            for (int x = 0; x < 150; x++) {
                rgb.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(rgb, "jpg", jpeg);
        Result r = client.infer(TINY, Tensor.bytes("image", List.of(jpeg.toByteArray())), true, null, null);
        assertEquals(200, r.reply().status(), r.reply().toString());
        float[] expectedLogits;
        try (Session s = tiny.newSession()) {
            expectedLogits = s.run(tiny.preprocess(ImageFiles.decode(jpeg.toByteArray())));
        }
        FashionData.assertClose(expectedLogits, r.fp32().get("logits"), "JPEG on the RGB model");
    }

    @Test
    void concurrentClientsGetTheAnswersOfSerialRuns() throws Exception {
        int clients = 8;
        int each = 6;
        int imageFloats = tiny.config().imageSize();
        float[][] inputs = new float[clients * each][];
        float[][] serial = new float[inputs.length][];
        try (Session s = tiny.newSession()) {
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = random(imageFloats * (1 + i % 2), 1000 + i);
                serial[i] = s.run(inputs[i]);
            }
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client0 = c;
                done.add(pool.submit(() -> {
                    for (int j = 0; j < each; j++) {
                        int i = client0 * each + j;
                        long n = inputs[i].length / imageFloats;
                        Result r = client.infer(TINY, Tensor.fp32("input", new long[] {n, 3, 96, 96}, inputs[i]), i % 2 == 0,
                                List.of(new Output("logits", i % 3 == 0, 0)), null);
                        assertEquals(200, r.reply().status(), r.reply().toString());
                        FashionData.assertClose(serial[i], r.fp32().get("logits"), "request " + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    // ------------------------------------------------------------------ bad input

    record Bad(String what, String body, String expectedInMessage, String... headers) {
    }

    static String fashionJson(String inputFields) {
        return "{\"inputs\":[{" + inputFields + "}]}";
    }

    static String ones(int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("0.5");
        }
        return sb.append(']').toString();
    }

    @Test
    void badInputIsA400WhoseMessageNamesWhatWasWrong() throws Exception {
        String okData = ones(4096);
        List<Bad> cases = List.of(
                new Bad("not JSON", "hello", "malformed JSON"),
                new Bad("truncated JSON", "{\"inputs\":[{\"name\":\"input\"", "malformed JSON"),
                new Bad("empty body", "", "empty request body"),
                new Bad("an array", "[1,2]", "must be a JSON object"),
                new Bad("no inputs", "{\"id\":\"x\"}", "no \"inputs\""),
                new Bad("inputs not an array", "{\"inputs\":{}}", "inputs must be an array"),
                new Bad("two inputs", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],\"data\":"
                        + okData + "},{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"AA==\"]}]}",
                        "exactly one input"),
                new Bad("unknown input", fashionJson("\"name\":\"pixels\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],\"data\":"
                        + okData), "no input 'pixels'"),
                new Bad("no name", fashionJson("\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]"), "has no \"name\""),
                new Bad("no datatype", fashionJson("\"name\":\"input\",\"shape\":[1,1,64,64],\"data\":" + okData),
                        "no \"datatype\""),
                new Bad("no shape", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"data\":" + okData), "no \"shape\""),
                new Bad("no data", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64]"),
                        "no \"data\""),
                new Bad("wrong datatype", fashionJson("\"name\":\"input\",\"datatype\":\"FP64\",\"shape\":[1,1,64,64],\"data\":"
                        + okData), "datatype FP64; expected FP32"),
                new Bad("wrong shape", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,3,64,64],\"data\":"
                        + okData), "expects [N, 1, 64, 64]"),
                new Bad("zero batch", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[0,1,64,64],\"data\":[]"),
                        "with N >= 1"),
                new Bad("negative dimension", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,1,64,64],"
                        + "\"data\":" + okData), "must not be negative"),
                new Bad("too few values", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],"
                        + "\"data\":[1,2,3]"), "has 3 values; shape [1, 1, 64, 64] needs 4096"),
                new Bad("strings as FP32", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],"
                        + "\"data\":[\"a\"]"), "holds strings"),
                new Bad("booleans", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[true]"),
                        "holds a boolean"),
                new Bad("mixed data", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[2],\"data\":[1,\"a\"]"),
                        "mixes numbers and strings"),
                new Bad("image not base64", fashionJson("\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],"
                        + "\"data\":[\"***\"]"), "not base64"),
                new Bad("not an image", fashionJson("\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],"
                        + "\"data\":[\"aGVsbG8gd29ybGQ=\"]"), "input 'image' element 0"),
                new Bad("image shape", fashionJson("\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[2],"
                        + "\"data\":[\"aGVsbG8=\"]"), "expected shape [N]"),
                new Bad("image datatype", fashionJson("\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1],"
                        + "\"data\":[1]"), "expected BYTES"),
                new Bad("unknown output", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],"
                        + "\"data\":" + okData + "}],\"outputs\":[{\"name\":\"probabilities\"}]}", "no output 'probabilities'"),
                new Bad("classification 0", "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,1,64,64],"
                        + "\"data\":" + okData + "}],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"classification\":0}}]}",
                        "classification must be positive"),
                new Bad("timeout not a number", "{\"parameters\":{\"timeout\":\"soon\"},\"inputs\":[]}",
                        "parameters.timeout must be an integer"),
                new Bad("trailing garbage", "{\"inputs\":[]} x", "malformed JSON"),
                new Bad("binary size without header", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,1,64,64],\"parameters\":{\"binary_data_size\":16384}"), "no Inference-Header-Content-Length"),
                new Bad("header length not a number", "{}", "not a number", "Inference-Header-Content-Length", "abc"),
                new Bad("header length beyond the body", "{}", "but the body has 2 bytes", "Inference-Header-Content-Length",
                        "99"),
                new Bad("binary size beyond the body", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,1,64,64],\"parameters\":{\"binary_data_size\":16384}"), "only 0 bytes of binary data",
                        "Inference-Header-Content-Length", "-1"),
                new Bad("bytes after the tensors", "{\"inputs\":[]}xyz", "belong to no input",
                        "Inference-Header-Content-Length", "13"),
                new Bad("huge binary size", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\","
                        + "\"shape\":[1,1,64,64],\"parameters\":{\"binary_data_size\":9223372036854775807}"),
                        "binary_data_size 9223372036854775807", "Inference-Header-Content-Length", "-1"),
                new Bad("timeout beyond a long", "{\"parameters\":{\"timeout\":99999999999999999999},\"inputs\":[]}",
                        "parameters.timeout is out of range"),
                new Bad("deep nesting", fashionJson("\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":"
                        + "[".repeat(40) + "1" + "]".repeat(40)), "nested deeper"));
        for (Bad bad : cases) {
            byte[] body = bad.body().getBytes(StandardCharsets.UTF_8);
            String[] headers = bad.headers().clone();
            for (int i = 1; i < headers.length; i += 2) {
                if (headers[i].equals("-1")) {
                    headers[i] = Integer.toString(body.length);
                }
            }
            Reply r = client.post("/v2/models/" + FASHION + "/infer", body, headers);
            assertEquals(400, r.status(), bad.what() + ": " + r);
            assertTrue(r.header("Content-Type").orElse("").startsWith("application/json"), bad.what());
            assertTrue(r.error().contains(bad.expectedInMessage()), bad.what() + ": '" + r.error() + "' lacks '"
                    + bad.expectedInMessage() + "'");
        }
        // NaN is not JSON; in binary data it is possible, and refused.
        float[] values = fashionInputs(data(), 0, 1);
        values[7] = Float.NaN;
        Result nan = client.infer(FASHION, Tensor.fp32("input", fashionShape(1), values), true, null, null);
        assertEquals(400, nan.reply().status());
        assertTrue(nan.reply().error().contains("value 7 is NaN"), nan.reply().error());
        // A binary tensor of the wrong size.
        Result wrongSize = client.infer(FASHION, Tensor.fp32("input", fashionShape(1), new float[100]), true, null, null);
        assertEquals(400, wrongSize.reply().status());
        assertTrue(wrongSize.reply().error().contains("binary_data_size 400"), wrongSize.reply().error());
        // The largest timeout is valid: no deadline at all.
        Result patient = client.infer(FASHION, Tensor.fp32("input", fashionShape(1), fashionInputs(data(), 0, 1)), true, null,
                Map.of("timeout", Long.MAX_VALUE));
        assertEquals(200, patient.reply().status(), patient.reply().toString());
        // The server still answers properly afterwards.
        assertEquals(200, client.infer(FASHION, Tensor.fp32("input", fashionShape(1), fashionInputs(data(), 0, 1)), false,
                null, null).reply().status());
    }

    @Test
    void mutatedRequestsNeverGetA5xx() throws Exception {
        FashionData data = data();
        byte[] header = Json.write(Map.of("inputs", List.of(Map.of("name", "image", "datatype", "BYTES", "shape",
                new long[] {1}, "parameters", Map.of("binary_data_size", 4L + data.png(0).length)))));
        byte[] png = data.png(0);
        byte[] valid = new byte[header.length + 4 + png.length];
        System.arraycopy(header, 0, valid, 0, header.length);
        valid[header.length] = (byte) png.length;
        valid[header.length + 1] = (byte) (png.length >>> 8);
        System.arraycopy(png, 0, valid, header.length + 4, png.length);
        Reply ok = client.post("/v2/models/" + FASHION + "/infer", valid, "Inference-Header-Content-Length",
                Integer.toString(header.length));
        assertEquals(200, ok.status(), ok.toString());
        SplittableRandom random = new SplittableRandom(12345);
        int[] statuses = new int[600];
        for (int trial = 0; trial < 250; trial++) {
            byte[] body = valid.clone();
            int mutations = 1 + random.nextInt(8);
            for (int m = 0; m < mutations; m++) {
                int at = random.nextInt(body.length);
                switch (random.nextInt(3)) {
                    case 0 -> body[at] = (byte) random.nextInt(256);
                    case 1 -> body[at] ^= (byte) (1 << random.nextInt(8));
                    default -> body = Arrays.copyOf(body, Math.max(1, at)); // truncate
                }
            }
            String headerLength = Integer.toString(random.nextInt(4) == 0 ? random.nextInt(body.length + 1) : header.length);
            Reply r = client.post("/v2/models/" + FASHION + "/infer", body, "Inference-Header-Content-Length", headerLength);
            statuses[r.status()]++;
            assertTrue(r.status() == 200 || r.status() == 400, "trial " + trial + ": " + r);
            if (r.status() == 400) {
                assertTrue(!r.error().isBlank());
            }
        }
        assertTrue(statuses[400] > 0, "the mutations must hit the error paths");
    }

    @Test
    void oversizedRequestsAre413() throws Exception {
        byte[] big = new byte[(int) MAX_BODY + 1];
        URI infer = URI.create("http://127.0.0.1:" + server.port() + "/v2/models/" + FASHION + "/infer");
        // With Expect: 100-continue (as curl sends for large bodies), the 413 comes before the body is sent.
        Reply declared = client.send(HttpRequest.newBuilder(infer).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
        assertEquals(413, declared.status(), declared.toString());
        assertTrue(declared.header("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(declared.error().contains("more than the limit") || declared.error().contains("Too Large"),
                declared.error());
        // Chunked (no Content-Length): the limit applies while reading, so the server answers while the client may
        // still be sending; the connection then closes, and a client can miss the answer. Retry until it is read.
        Reply chunked = null;
        for (int attempt = 0; attempt < 5 && chunked == null; attempt++) {
            try {
                chunked = client.send(HttpRequest.newBuilder(infer).expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build());
            } catch (IOException e) {
                System.out.println("[413] chunked attempt " + attempt + ": the answer was lost with the connection (" + e + ")");
            }
        }
        assertNotNull(chunked, "no answer to the chunked oversized request in 5 attempts");
        assertEquals(413, chunked.status(), chunked.toString());
        // More images in one request than the queue can ever hold.
        int n = QUEUE + 1;
        Result tooMany = client.infer(FASHION, Tensor.fp32("input", fashionShape(n), new float[n * 4096]), true, null, null);
        assertEquals(413, tooMany.reply().status(), tooMany.reply().toString());
        assertTrue(tooMany.reply().error().contains("holds " + n + " images"), tooMany.reply().error());
        // The server still answers.
        assertEquals(200, client.get("/v2/health/ready").status());
    }

    // ------------------------------------------------------------------ metrics and load

    @Test
    void metricsArePrometheusTextWithTritonLikeNames() throws Exception {
        client.infer(TINY, Tensor.fp32("input", new long[] {2, 3, 96, 96}, random(2 * 3 * 96 * 96, 5)), true, null, null);
        Reply r = client.get("/metrics");
        assertEquals(200, r.status());
        assertTrue(r.header("Content-Type").orElse("").startsWith("text/plain"), r.header("Content-Type").toString());
        String text = new String(r.body(), StandardCharsets.UTF_8);
        for (String expected : List.of("mobilenetj_inference_request_success_total{model=\"tiny\"}",
                "mobilenetj_inference_count_total{model=\"tiny\"}", "mobilenetj_inference_exec_count_total{model=\"tiny\"}",
                "mobilenetj_inference_request_failure_total{model=\"tiny\",reason=\"rejected\"}",
                "mobilenetj_inference_pending_request_count{model=\"tiny\"}",
                "mobilenetj_inference_queue_duration_seconds_bucket{model=\"tiny\",le=\"0.001\"}",
                "mobilenetj_inference_compute_infer_duration_seconds_count{model=\"tiny\"}",
                "mobilenetj_inference_request_duration_seconds_sum{model=\"tiny\"}",
                "mobilenetj_inference_batch_size_bucket{model=\"tiny\",le=\"4.0\"}",
                "mobilenetj_http_responses_total{status=\"200\"}", "process_resident_memory_bytes", "jvm_memory_used_bytes")) {
            assertTrue(text.contains(expected), "no " + expected + " in /metrics");
        }
        double images = Double.parseDouble(text.lines().filter(l -> l.startsWith("mobilenetj_inference_count_total{model=\"tiny\"}"))
                .findFirst().orElseThrow().split(" ")[1]);
        assertTrue(images >= 2, "images counted: " + images);
    }

    @Test
    void aShortOpenLoopLoadRunsCleanly() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            io.github.mobilenetj.server.load.LoadGenerator.main(new String[] {"--port", Integer.toString(server.port()),
                "--model", FASHION, "--format", "png", "--rate", "100", "--duration", "2", "--warmup", "0.5"});
        } finally {
            System.setOut(old);
        }
        String line = captured.toString(StandardCharsets.UTF_8).trim();
        System.out.println("[load smoke] " + line);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) Json.parse(line.getBytes(StandardCharsets.UTF_8));
        assertTrue(((Number) result.get("ok")).longValue() > 0, line);
        assertEquals(0L, ((Number) result.get("s5xx")).longValue(), line);
        assertEquals(0L, ((Number) result.get("s4xx")).longValue(), line);
        assertEquals(0L, ((Number) result.get("client_errors")).longValue(), line);
    }
}
