package io.github.mobilenetj.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example of {@link Snippets} (the javadoc snippets and the README's Java blocks), and
 * checks that the README shows exactly the compiled code.
 */
class ExamplesTest {

    static final Path MODEL = Path.of("src/main/resources/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.safetensors");
    static final Path SAMPLES = Path.of("src/main/resources/io/github/mobilenetj/cli/samples");

    @Test
    void classifyPrintsTheTopFive() throws IOException {
        List<Prediction> top = Snippets.classify(MODEL, SAMPLES.resolve("1-trouser.png"));
        assertEquals(5, top.size());
        assertEquals("Trouser", top.getFirst().label(), top.toString());
    }

    @Test
    void stepsGiveTheSameAnswerAsClassify() throws IOException {
        BufferedImage image = ImageFiles.read(SAMPLES.resolve("7-sneaker.png"));
        try (MobileNetV1 model = MobileNetV1.load(MODEL)) {
            List<Prediction> top = Snippets.steps(model, image);
            assertEquals(3, top.size());
            try (var session = model.newSession()) {
                assertEquals(session.classify(image, 3), top);
            }
        }
    }

    @Test
    void batchGivesEachImageItsOwnLogits() throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (String name : List.of("0-t-shirt-top.png", "1-trouser.png", "8-bag.png")) {
            images.add(ImageFiles.read(SAMPLES.resolve(name)));
        }
        float[] logits = Snippets.batch(MODEL, images);
        assertEquals(30, logits.length);
        try (MobileNetV1 model = MobileNetV1.load(MODEL); var session = model.newSession()) {
            for (int i = 0; i < images.size(); i++) {
                float[] one = session.run(model.preprocess(images.get(i)));
                for (int c = 0; c < 10; c++) {
                    assertEquals(one[c], logits[i * 10 + c], 1e-5f * Math.max(1, Math.abs(one[c])), "image " + i + " class " + c);
                }
                labels.add(model.labels().name(argmax(one)));
            }
        }
        assertFalse(labels.isEmpty());
    }

    @Test
    void serverAnswersEveryRequest() throws Exception {
        List<BufferedImage> requests = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            requests.add(ImageFiles.read(SAMPLES.resolve(i % 2 == 0 ? "6-shirt.png" : "4-coat.png")));
        }
        int shirts = Snippets.server(requests);
        int expected;
        try (MobileNetV1 model = MobileNetV1.fashionMnist(); var session = model.newSession()) {
            expected = session.classify(requests.getFirst(), 1).getFirst().label().equals("Shirt") ? 6 : 0;
            expected += session.classify(requests.get(1), 1).getFirst().label().equals("Shirt") ? 6 : 0;
        }
        assertEquals(expected, shirts);
    }

    @Test
    void precisionExampleBuildsWhereTheCpuHasBf16() {
        try (MobileNetV1 model = Snippets.bf16()) {
            assertEquals(Precision.BF16, model.precision());
            assertEquals(0.75, model.config().widthMultiplier());
        } catch (UnsupportedOperationException e) {
            assertTrue(e.getMessage().contains("bf16"), e.getMessage());
            assumeTrue(false, "no bf16 on this CPU: " + e.getMessage());
        }
    }

    @Test
    void quantizeExampleSavesAModelThatAgreesWithTheFloatOne(@TempDir Path dir) throws IOException {
        List<BufferedImage> calibration = new ArrayList<>();
        try (var files = Files.list(SAMPLES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                calibration.add(ImageFiles.read(file));
            }
        }
        assertFalse(calibration.isEmpty());
        Path out = dir.resolve("fmnist.int8.safetensors");
        BufferedImage trouser = ImageFiles.read(SAMPLES.resolve("1-trouser.png"));
        List<Prediction> top = Snippets.quantize(MODEL, calibration, out, trouser);
        assertEquals("Trouser", top.getFirst().label(), "the float model's answer for this sample");
        try (MobileNetV1 model = MobileNetV1.load(out)) {
            assertEquals(Precision.INT8, model.precision());
        }
    }

    @Test
    void labelsExample() {
        assertEquals("tabby", Snippets.label(281));
    }

    /**
     * Every {@code <!-- snippet: NAME -->} Java block of the README is region NAME of Snippets.java (or of the
     * serve package's ServiceSnippets.java, which InferenceServiceTest runs), verbatim.
     */
    @Test
    void readmeShowsTheCompiledCode() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        for (String file : List.of("src/test/java/io/github/mobilenetj/examples/Snippets.java",
                "src/test/java/io/github/mobilenetj/serve/ServiceSnippets.java")) {
            for (Map.Entry<String, String> r : regions(Files.readString(Path.of(file))).entrySet()) {
                assertTrue(regions.put(r.getKey(), r.getValue()) == null, "region " + r.getKey() + " is defined twice");
            }
        }
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("<!-- snippet: (\\w+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        int blocks = 0;
        while (m.find()) {
            String name = m.group(1);
            assertTrue(regions.containsKey(name), "README names a region no snippet file has: " + name);
            assertEquals(regions.get(name), m.group(2).stripTrailing(), "README block '" + name + "' differs from the compiled snippet");
            blocks++;
        }
        assertTrue(blocks >= 3, "the README's Use it section shows compiled examples (" + blocks + " found)");
    }

    /** The regions of a snippet source file, each de-indented to its least indented line. */
    static Map<String, String> regions(String source) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("// @start region=(\\w+)\\n(.*?)\\n\\s*// @end", Pattern.DOTALL).matcher(source);
        while (m.find()) {
            List<String> lines = m.group(2).lines().toList();
            int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                    .min().orElse(0);
            List<String> trimmed = new ArrayList<>();
            for (String l : lines) {
                trimmed.add(l.isBlank() ? "" : l.substring(indent));
            }
            out.put(m.group(1), String.join("\n", trimmed).stripTrailing());
        }
        return Collections.unmodifiableMap(out);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
