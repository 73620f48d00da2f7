package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.IdxFile;
import io.github.mobilenetj.io.SafetensorsFile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled Fashion-MNIST model reproduces PyTorch: on every test image our logits match the
 * logits PyTorch computed in eval mode from the same file (train/export.py), the predicted classes
 * agree, and the accuracy equals PyTorch's. Needs Debian's dataset-fashion-mnist (.ci/run installs it).
 */
class FashionMnistReferenceTest {

    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final String REFERENCE = "/io/github/mobilenetj/model/fashion-mnist-test-logits.safetensors";

    @Test
    void logitsAndAccuracyMatchPyTorchOnTheWholeTestSet(@TempDir Path dir) throws IOException {
        assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Path referenceFile = dir.resolve("reference.safetensors");
        try (InputStream in = getClass().getResourceAsStream(REFERENCE)) {
            Files.copy(in, referenceFile, StandardCopyOption.REPLACE_EXISTING);
        }
        float[] torchLogits;
        float[] torchLabels;
        double torchAccuracy;
        try (SafetensorsFile st = SafetensorsFile.open(referenceFile)) {
            torchLogits = st.readFloats("logits");
            torchLabels = labelsOf(st);
            torchAccuracy = Double.parseDouble(st.metadata().get("test_accuracy"));
        }
        IdxFile images = IdxFile.read(DATA.resolve("t10k-images-idx3-ubyte.gz"));
        IdxFile labels = IdxFile.read(DATA.resolve("t10k-labels-idx1-ubyte.gz"));
        int count = images.count();
        assertEquals(10_000, count);
        for (int i = 0; i < count; i++) {
            assertEquals(labels.unsignedAt(i), (int) torchLabels[i], "label of test image " + i);
        }

        int batch = 50;
        try (MobileNetV1 model = MobileNetV1.builder().maxBatchSize(batch).fashionMnist(); Session session = model.newSession()) {
            int classes = model.config().classes();
            assertEquals(10, classes);
            assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"), model.labels().names());
            int imageFloats = model.config().imageSize();
            float[] input = new float[batch * imageFloats];
            float[] ours = new float[count * classes];
            float[] logits = new float[batch * classes];
            BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            byte[] pixels = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
            for (int first = 0; first < count; first += batch) {
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(images.item(first + i), 0, pixels, 0, pixels.length);
                    model.preprocessing().apply(gray, PixelLayout.CHW, input, i * imageFloats);
                }
                session.run(input, logits);
                System.arraycopy(logits, 0, ours, first * classes, logits.length);
            }

            double maxLogit = 0;
            double maxError = 0;
            for (int i = 0; i < ours.length; i++) {
                maxLogit = Math.max(maxLogit, Math.abs(torchLogits[i]));
                maxError = Math.max(maxError, Math.abs(ours[i] - torchLogits[i]));
            }
            int oursCorrect = 0;
            int torchCorrect = 0;
            List<String> disagreements = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int o = argmax(ours, i * classes, classes);
                int t = argmax(torchLogits, i * classes, classes);
                oursCorrect += o == labels.unsignedAt(i) ? 1 : 0;
                torchCorrect += t == labels.unsignedAt(i) ? 1 : 0;
                if (o != t) {
                    disagreements.add(String.format(Locale.ROOT, "image %d: ours %d (margin %.3g), PyTorch %d (margin %.3g)", i, o,
                            margin(ours, i * classes, classes), t, margin(torchLogits, i * classes, classes)));
                }
            }
            double oursAccuracy = oursCorrect / (double) count;
            System.out.printf(Locale.ROOT, "Fashion-MNIST: max abs logit error %.3g (max |logit| %.3g, ratio %.3g); "
                    + "accuracy ours %.4f, PyTorch %.4f (file says %.4f); %d disagreement(s) %s%n", maxError, maxLogit,
                    maxError / maxLogit, oursAccuracy, torchCorrect / (double) count, torchAccuracy, disagreements.size(),
                    disagreements);
            assertTrue(maxError <= 1e-4 * maxLogit, "max abs error " + maxError + " > 1e-4 * " + maxLogit);
            assertTrue(disagreements.size() <= count * 0.0005, "predictions differ on " + disagreements);
            assertEquals(torchAccuracy, oursAccuracy, 0.0005, "accuracy differs from PyTorch's by more than 0.05 points");
            assertEquals(torchCorrect / (double) count, torchAccuracy, 1e-9, "the reference file's accuracy is its logits' accuracy");
        }
    }

    private static float[] labelsOf(SafetensorsFile st) {
        var info = st.info("labels");
        long n = info.elementCount();
        float[] out = new float[(int) n];
        var bytes = st.bytes("labels");
        long size = info.byteSize() / n;
        for (int i = 0; i < n; i++) {
            out[i] = size == 8 ? bytes.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i * 8L)
                    : bytes.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, i * 4L);
        }
        return out;
    }

    static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** Top logit minus the runner-up. */
    private static double margin(float[] v, int offset, int count) {
        float[] row = java.util.Arrays.copyOfRange(v, offset, offset + count);
        java.util.Arrays.sort(row);
        return row[count - 1] - row[count - 2];
    }

    /** The sample images the demo classifies, named {@code <class>-<name>.png}. */
    static final Path SAMPLES = Path.of("src/main/resources/io/github/mobilenetj/cli/samples");

    @Test
    void bundledSamplesAreClassifiedAsTheirLabels() throws IOException {
        List<Path> samples;
        try (var files = Files.list(SAMPLES)) {
            samples = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertEquals(10, samples.size(), "one sample per class in " + SAMPLES);
        try (MobileNetV1 model = MobileNetV1.builder().maxBatchSize(1).fashionMnist(); Session session = model.newSession()) {
            List<String> names = model.labels().names();
            for (Path sample : samples) {
                int expected = Integer.parseInt(sample.getFileName().toString().split("-", 2)[0]);
                float[] logits = session.run(model.preprocessing().apply(sample, PixelLayout.CHW));
                int got = argmax(logits, 0, logits.length);
                assertEquals(expected, got, sample + " (" + names.get(expected) + ") classified as " + names.get(got));
            }
        }
    }
}
