package io.github.mobilenetj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.TestWeights;
import io.github.mobilenetj.model.Activation;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code classify} through {@link Main}: what it prints against ONNX Runtime's logits on the same tensors. */
class ClassifyCommandTest {

    @TempDir
    Path dir;

    /** "  12.3%   456  label" */
    private static final Pattern LINE = Pattern.compile("^  +(\\d+\\.\\d)%  +(\\d+)  (.+)$");

    record Printed(double percent, int index, String label) {
    }

    /** The {@code count} prediction lines after the line {@code name + ":"}. */
    private static List<Printed> block(Cli.Result r, String name, int count) {
        List<String> lines = r.outLines();
        int at = lines.indexOf(name + ":");
        assertTrue(at >= 0, () -> "no line '" + name + ":'\n" + r);
        List<Printed> printed = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            assertTrue(at + i < lines.size(), r::toString);
            Matcher m = LINE.matcher(lines.get(at + i));
            assertTrue(m.matches(), () -> "not a prediction line\n" + r);
            printed.add(new Printed(Double.parseDouble(m.group(1)), Integer.parseInt(m.group(2)), m.group(3)));
        }
        if (at + count + 1 < lines.size()) {
            assertFalse(LINE.matcher(lines.get(at + count + 1)).matches(), () -> "more than " + count + " predictions\n" + r);
        }
        return printed;
    }

    /** The printed predictions are ORT's top classes, in order, with ORT's softmax probabilities. */
    private static void assertMatchesReference(List<Printed> printed, float[] logits, int offset, int classes,
            List<String> labels) {
        Cli.assertClearRanking(logits, offset, classes, printed.size());
        int[] ranking = Cli.ranking(logits, offset, classes);
        double[] p = Cli.softmax(logits, offset, classes);
        for (int i = 0; i < printed.size(); i++) {
            Printed line = printed.get(i);
            assertEquals(ranking[i], line.index(), "rank " + i + " of " + printed);
            assertEquals(100 * p[ranking[i]], line.percent(), 0.05 + 1e-3, "probability of rank " + i);
            assertEquals(labels.get(ranking[i]), line.label(), "label of rank " + i);
        }
    }

    @Test
    void randomWeightsTopThreeAgreeWithOnnxRuntime() throws Exception {
        // One colour: any resize and crop leaves it as it is, so the input is known exactly.
        int[] rgb = {200, 60, 30};
        BufferedImage image = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 50; x++) {
                image.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
            }
        }
        Path png = dir.resolve("orange.png");
        assertTrue(ImageIO.write(image, "png", png.toFile()));

        Cli.Result r = Cli.run("classify", "--alpha", "0.25", "--resolution", "64", "--top", "3", png.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertTrue(r.outLines().getFirst().startsWith("NOTE: ") && r.out().contains("RANDOM weights (seed 42)"), r::toString);
        List<Printed> printed = block(r, png.toString(), 3);
        assertEquals(5, r.outLines().size(), () -> "note, name and 3 predictions\n" + r);

        // The same random tensors (seed 42, as the note says) in ONNX Runtime, ImageNet normalisation by hand.
        ModelConfig config = new ModelConfig(0.25, 64, 1000, 3, Activation.RELU, 1e-5, PixelLayout.CHW, 1);
        TestWeights weights = TestWeights.random(config, 42);
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        float[] input = new float[3 * 64 * 64];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 64 * 64; i++) {
                input[c * 64 * 64 + i] = (rgb[c] / 255f - mean[c]) / std[c];
            }
        }
        float[] logits;
        try (OnnxRuntimeRunner ort = Cli.onnx(config, weights)) {
            logits = ort.run(input, 1, 3, 64, 64);
        }
        assertMatchesReference(printed, logits, 0, 1000, Labels.imageNet().names());
        assertEquals("tench", Labels.imageNet().name(0));
    }

    @Test
    void selfDescribingModelPrintsItsOwnLabels() throws Exception {
        Path model = dir.resolve("fashion.safetensors");
        TestWeights weights = Cli.writeGrayModel(model, 32, 11);
        int[][] first = new int[20][20];
        int[][] second = new int[24][16];
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                first[y][x] = (x * 13 + y * 7) % 256;
            }
        }
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 16; x++) {
                second[y][x] = y > 4 && y < 20 && x > 3 && x < 12 ? 250 : 10;
            }
        }
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        Cli.writeGrayPng(a, first);
        Cli.writeGrayPng(b, second);

        Cli.Result r = Cli.run("classify", "--weights", model.toString(), "--top", "3", a.toString(), b.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertFalse(r.out().contains("RANDOM"), r::toString);
        assertEquals(8, r.outLines().size(), () -> "two names and 3 predictions each\n" + r);

        try (OnnxRuntimeRunner ort = Cli.onnx(Cli.grayConfig(32), weights)) {
            int i = 0;
            for (int[][] pixels : List.of(first, second)) {
                float[] logits = ort.run(Cli.padNormalize(pixels, 32, Cli.MEAN, Cli.STD), 1, 1, 32, 32);
                Path file = i++ == 0 ? a : b;
                assertMatchesReference(block(r, file.toString(), 3), logits, 0, 10, Cli.LABELS);
            }
        }
    }

    @Test
    void topBeyondTheClassCountListsEveryClass() throws Exception {
        Path model = dir.resolve("fashion.safetensors");
        TestWeights weights = Cli.writeGrayModel(model, 32, 12);
        int[][] pixels = new int[28][28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                pixels[y][x] = (x * x + 3 * y) % 256;
            }
        }
        Path png = dir.resolve("c.png");
        Cli.writeGrayPng(png, pixels);
        Cli.Result r = Cli.run("classify", "--weights", model.toString(), "--top", "25", png.toString());
        assertEquals(0, r.exit(), r::toString);
        List<Printed> printed = block(r, png.toString(), 10);
        assertEquals(11, r.outLines().size(), r::toString);
        float[] logits;
        try (OnnxRuntimeRunner ort = Cli.onnx(Cli.grayConfig(32), weights)) {
            logits = ort.run(Cli.padNormalize(pixels, 32, Cli.MEAN, Cli.STD), 1, 1, 32, 32);
        }
        double[] p = Cli.softmax(logits, 0, 10);
        double sum = 0;
        for (Printed line : printed) {
            assertEquals(100 * p[line.index()], line.percent(), 0.051, line.toString());
            assertEquals(Cli.LABELS.get(line.index()), line.label());
            sum += line.percent();
        }
        assertEquals(100, sum, 0.5);
        assertEquals(10, printed.stream().mapToInt(Printed::index).distinct().count());
    }

    /**
     * Labels come from the weights file: control characters (ANSI escapes, newlines) and Unicode
     * bidirectional overrides in them must not reach the terminal raw, where they could rewrite or
     * hide what the user sees. They are printed escaped as \\uXXXX.
     */
    @Test
    void labelsFromTheFileCannotControlTheTerminal() throws Exception {
        java.util.List<String> hostile = new java.util.ArrayList<>(Cli.LABELS);
        for (int i = 0; i < hostile.size(); i++) {
            hostile.set(i, switch (i % 3) {
                case 0 -> "\u001b[31mred\u001b[0m " + i;
                case 1 -> "\u202egnp.exe " + i;
                default -> "two\nlines\r " + i;
            });
        }
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < hostile.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(hostile.get(i).replace("\u001b", "\\u001b")
                    .replace("\u202e", "\\u202e").replace("\n", "\\n").replace("\r", "\\r")).append('"');
        }
        json.append(']');
        java.util.Map<String, String> metadata = new java.util.HashMap<>(Cli.grayMetadata(32));
        metadata.put("labels", json.toString());
        Path model = dir.resolve("hostile-labels.safetensors");
        TestWeights.random(Cli.grayConfig(32), 21).save(model, io.github.mobilenetj.io.DType.F32, metadata);
        Path png = dir.resolve("gray.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY),
                "png", png.toFile());
        Cli.Result r = Cli.run("classify", "--weights", model.toString(), "--top", "10", png.toString());
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        for (char c : new char[] {'\u001b', '\u202e', '\r'}) {
            assertEquals(-1, out.indexOf(c), () -> "raw U+" + Integer.toHexString(c) + " printed\n" + out);
        }
        assertTrue(out.contains("\\u001B[31mred\\u001B[0m"), out);
        assertTrue(out.contains("\\u202Egnp.exe"), out);
        assertTrue(out.contains("two\\u000Alines\\u000D"), out);
        assertEquals(11, out.lines().count(), () -> "one line per class, plus the file name\n" + out);
    }
}
