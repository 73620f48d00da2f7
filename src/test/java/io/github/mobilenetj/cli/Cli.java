package io.github.mobilenetj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.TestWeights;
import io.github.mobilenetj.model.Activation;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/** Test support for the command line: runs {@link Main} in-process and checks what it prints. */
final class Cli {

    private Cli() {
    }

    /** What one run printed and returned. */
    record Result(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Main.run(args, o, e);
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Exception class names as they would appear in a stack trace or a toString(). */
    private static final Pattern EXCEPTION_NAME = Pattern.compile("\\b[A-Za-z_$][\\w$]*(Exception|Error)\\b");

    /**
     * The run failed with {@code code} and printed exactly one line on err: no stack trace, no exception
     * class name, and every fragment in the line.
     */
    static String assertOneLineError(Result r, int code, String... fragments) {
        assertEquals(code, r.exit(), () -> "exit code\n" + r);
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), () -> "expected one line on err\n" + r);
        String line = lines.getFirst();
        assertFalse(r.err().contains("\tat "), () -> "stack trace on err\n" + r);
        assertFalse(EXCEPTION_NAME.matcher(r.err()).find(), () -> "exception class name on err\n" + r);
        assertFalse(r.out().contains("\tat "), () -> "stack trace on out\n" + r);
        assertTrue(line.startsWith("mobilenetj"), () -> "message should start with the program name\n" + r);
        for (String f : fragments) {
            assertTrue(line.contains(f), () -> "err should mention '" + f + "'\n" + r);
        }
        return line;
    }

    /** A self-describing 1-channel model file: α 0.25, {@code resolution}, 10 classes, ReLU6, ε 1e-3. */
    static ModelConfig grayConfig(int resolution) {
        return new ModelConfig(0.25, resolution, 10, 1, Activation.RELU6, 1e-3, io.github.mobilenetj.image.PixelLayout.CHW, 1);
    }

    /** Fashion-MNIST's class names with a few awkward characters added. */
    static final List<String> LABELS = List.of("T-shirt/top", "Trouser \"long\"", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt, plain", "Sneaker", "Bag \\ case", "Ankle boot é");

    static final float MEAN = 0.2860f;
    static final float STD = 0.3530f;

    static String labelsJson() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < LABELS.size(); i++) {
            String escaped = LABELS.get(i).replace("\\", "\\\\").replace("\"", "\\\"");
            sb.append(i == 0 ? "" : ", ").append('"').append(escaped).append('"');
        }
        return sb.append(']').toString();
    }

    static Map<String, String> grayMetadata(int resolution) {
        return Map.ofEntries(Map.entry("architecture", "mobilenet_v1"), Map.entry("width_multiplier", "0.25"),
                Map.entry("resolution", Integer.toString(resolution)), Map.entry("in_channels", "1"),
                Map.entry("num_classes", "10"), Map.entry("activation", "relu6"), Map.entry("bn_eps", "0.001"),
                Map.entry("input_transform", "pad"), Map.entry("mean", Float.toString(MEAN)),
                Map.entry("std", Float.toString(STD)), Map.entry("labels", labelsJson()));
    }

    /** Writes the weights with {@link #grayMetadata}; returns them for the reference. */
    static TestWeights writeGrayModel(Path file, int resolution, long seed) throws IOException {
        TestWeights w = TestWeights.random(grayConfig(resolution), seed);
        w.save(file, DType.F32, grayMetadata(resolution));
        return w;
    }

    /** ONNX Runtime on the reference package's hand-written graph holding the same tensors. */
    static OnnxRuntimeRunner onnx(ModelConfig c, TestWeights w) {
        MobileNetSpec spec = new MobileNetSpec(c.widthMultiplier(), c.resolution(), c.inChannels(), c.classes(),
                c.activation() == Activation.RELU6 ? MobileNetSpec.Activation.RELU6 : MobileNetSpec.Activation.RELU,
                c.batchNormEpsilon());
        return new OnnxRuntimeRunner(OnnxMobileNetWriter.write(spec, name -> w.values(name)), 1);
    }

    /**
     * torchvision's ToTensor + CenterCrop (zero padding) + Normalize for a grayscale image no larger than
     * {@code size}, written naively: the margins here are even, so the image sits exactly in the middle.
     */
    static float[] padNormalize(int[][] pixels, int size, float mean, float std) {
        int h = pixels.length;
        int w = pixels[0].length;
        assertEquals(0, (size - h) % 2, "test images need an even margin");
        assertEquals(0, (size - w) % 2, "test images need an even margin");
        int top = (size - h) / 2;
        int left = (size - w) / 2;
        float[] out = new float[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int iy = y - top;
                int ix = x - left;
                float v = iy >= 0 && iy < h && ix >= 0 && ix < w ? pixels[iy][ix] / 255f : 0f;
                out[y * size + x] = (v - mean) / std;
            }
        }
        return out;
    }

    static void writeGrayPng(Path file, int[][] pixels) throws IOException {
        BufferedImage image = new BufferedImage(pixels[0].length, pixels.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < pixels.length; y++) {
            for (int x = 0; x < pixels[0].length; x++) {
                image.getRaster().setSample(x, y, 0, pixels[y][x]);
            }
        }
        assertTrue(ImageIO.write(image, "png", file.toFile()));
    }

    /** Softmax in double precision. */
    static double[] softmax(float[] logits, int offset, int count) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] p = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++) {
            p[i] = Math.exp(logits[offset + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < count; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Class indices by decreasing logit. */
    static int[] ranking(float[] logits, int offset, int count) {
        return IntStream.range(0, count).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> logits[offset + i]).reversed())
                .mapToInt(Integer::intValue).toArray();
    }

    /** The ranking's top {@code k} must be unambiguous: the logits around each cut differ clearly. */
    static void assertClearRanking(float[] logits, int offset, int count, int k) {
        int[] r = ranking(logits, offset, count);
        double scale = 0;
        for (int i = 0; i < count; i++) {
            scale = Math.max(scale, Math.abs(logits[offset + i]));
        }
        for (int i = 0; i < Math.min(k, count - 1); i++) {
            double gap = logits[offset + r[i]] - logits[offset + r[i + 1]];
            double g = gap;
            assertTrue(gap > 1e-3 * scale, () -> "fixture has a near tie at rank " + g + ": " + Arrays.toString(r));
        }
    }
}
