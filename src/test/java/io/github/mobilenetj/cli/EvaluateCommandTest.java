package io.github.mobilenetj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.model.TestWeights;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code evaluate} on tiny IDX files: the accuracy it reports must be the one ONNX Runtime's logits
 * give on the same inputs, padded 28 to 32 and normalised here by hand.
 */
class EvaluateCommandTest {

    private static final int COUNT = 20;
    private static final int SIZE = 28;
    private static final int RESOLUTION = 32;
    private static final int CLASSES = 10;

    @TempDir
    static Path dir;

    static Path model;
    static Path data;
    static int[][][] images = new int[COUNT][SIZE][SIZE];
    static int[] labels = new int[COUNT];
    /** Whether each label is the class ONNX Runtime predicts. */
    static boolean[] correct = new boolean[COUNT];

    @BeforeAll
    static void writeDataSet() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n < COUNT; n++) {
            int kind = n % 4;
            int level = 40 + random.nextInt(200);
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    images[n][y][x] = switch (kind) {
                        case 0 -> random.nextInt(256);
                        case 1 -> (x * level / SIZE + y * (n + 1)) % 256;
                        case 2 -> Math.abs(x - 14) + Math.abs(y - 14) < 4 + n / 2 ? level : 0;
                        default -> (x / (1 + n % 5)) % 2 == 0 ? level : 255 - level;
                    };
                }
            }
        }
        float[] batch = new float[COUNT * RESOLUTION * RESOLUTION];
        for (int n = 0; n < COUNT; n++) {
            float[] one = Cli.padNormalize(images[n], RESOLUTION, Cli.MEAN, Cli.STD);
            System.arraycopy(one, 0, batch, n * one.length, one.length);
        }
        // Random weights tend to give every image one class; take the first seed whose predictions vary,
        // so that a mix-up of images within or across batches would change the count.
        float[] logits = null;
        TestWeights weights = null;
        for (long seed = 2033; seed < 2063; seed++) {
            weights = TestWeights.random(Cli.grayConfig(RESOLUTION), seed);
            try (OnnxRuntimeRunner ort = Cli.onnx(Cli.grayConfig(RESOLUTION), weights)) {
                logits = ort.run(batch, COUNT, 1, RESOLUTION, RESOLUTION);
            }
            int[] perClass = new int[CLASSES];
            for (int n = 0; n < COUNT; n++) {
                perClass[Cli.ranking(logits, n * CLASSES, CLASSES)[0]]++;
            }
            System.out.println("[EvaluateCommandTest] seed " + seed + ": predictions per class " + java.util.Arrays.toString(perClass));
            if (java.util.Arrays.stream(perClass).max().getAsInt() <= COUNT - 5) {
                break;
            }
        }
        model = dir.resolve("fashion-mobilenet.safetensors");
        weights.save(model, io.github.mobilenetj.io.DType.F32, Cli.grayMetadata(RESOLUTION));
        // Most labels are the reference's prediction, some are another class; a label whose top two
        // classes nearly tie is the least likely class, so it is wrong for any sane engine.
        int distinct = 0;
        boolean[] seen = new boolean[CLASSES];
        for (int n = 0; n < COUNT; n++) {
            int[] ranking = Cli.ranking(logits, n * CLASSES, CLASSES);
            double gap = logits[n * CLASSES + ranking[0]] - logits[n * CLASSES + ranking[1]];
            boolean clear = gap > 1e-3 * Math.abs(logits[n * CLASSES + ranking[0]]) && gap > 1e-4;
            boolean wanted = n % 3 != 1;
            labels[n] = !clear ? ranking[CLASSES - 1] : wanted ? ranking[0] : ranking[1 + n % (CLASSES - 1)];
            correct[n] = labels[n] == ranking[0];
            if (!seen[ranking[0]]) {
                seen[ranking[0]] = true;
                distinct++;
            }
        }
        assertTrue(distinct >= 2, "the fixture's images should not all get one class");

        data = Files.createDirectories(dir.resolve("fashion-mnist"));
        writeIdx(data.resolve("t10k-images-idx3-ubyte.gz"), true, imageBytes(), COUNT, SIZE, SIZE);
        writeIdx(data.resolve("t10k-labels-idx1-ubyte.gz"), true, labelBytes(COUNT), COUNT);
    }

    private static byte[] imageBytes() {
        byte[] b = new byte[COUNT * SIZE * SIZE];
        for (int n = 0; n < COUNT; n++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    b[(n * SIZE + y) * SIZE + x] = (byte) images[n][y][x];
                }
            }
        }
        return b;
    }

    private static byte[] labelBytes(int count) {
        byte[] b = new byte[count];
        for (int n = 0; n < count; n++) {
            b[n] = (byte) labels[n];
        }
        return b;
    }

    /** An unsigned-byte IDX file: 00 00 08 rank, big-endian dimensions, data. */
    static void writeIdx(Path file, boolean gzip, byte[] data, int... dims) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {0, 0, 8, (byte) dims.length});
        for (int d : dims) {
            bytes.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        }
        bytes.write(data);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes.toByteArray());
        }
    }

    private static int expectedCorrect(int limit) {
        int c = 0;
        for (int n = 0; n < limit; n++) {
            c += correct[n] ? 1 : 0;
        }
        return c;
    }

    private static final Pattern ACCURACY = Pattern.compile("accuracy (\\d+\\.\\d\\d)% \\((\\d+) / (\\d+)\\)");

    private static void assertAccuracy(Cli.Result r, int total, int batch) {
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertEquals(1, r.outLines().size(), r::toString);
        String line = r.outLines().getFirst();
        Matcher m = ACCURACY.matcher(line);
        assertTrue(m.find(), line);
        int expected = expectedCorrect(total);
        assertEquals(total, Integer.parseInt(m.group(3)), line);
        assertEquals(expected, Integer.parseInt(m.group(2)), () -> "correct predictions per ONNX Runtime\n" + line);
        assertEquals(String.format(Locale.ROOT, "%.2f", 100.0 * expected / total), m.group(1), line);
        assertTrue(line.contains("(batch " + batch + ","), line);
        assertTrue(line.startsWith(model.getFileName().toString()), line);
        assertTrue(Pattern.compile("[\\d.]+ images/s inference, [\\d.]+ images/s with preprocessing").matcher(line).find(), line);
    }

    @Test
    void batchesOfEightEightAndFour() {
        assertTrue(expectedCorrect(COUNT) > 0 && expectedCorrect(COUNT) < COUNT, "the fixture mixes right and wrong labels");
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", data.toString(), "--batch", "8",
                "--threads", "1");
        assertAccuracy(r, COUNT, 8);
    }

    @ParameterizedTest(name = "batch {0}, limit {1}")
    @CsvSource({"5, 20", "1, 7", "8, 13", "32, 20"})
    void otherBatchesAndLimits(int batch, int limit) {
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", data.toString(), "--batch",
                Integer.toString(batch), "--limit", Integer.toString(limit), "--threads", "1");
        assertAccuracy(r, limit, batch);
    }

    @Test
    void uncompressedFilesToo() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        writeIdx(plain.resolve("t10k-images-idx3-ubyte"), false, imageBytes(), COUNT, SIZE, SIZE);
        writeIdx(plain.resolve("t10k-labels-idx1-ubyte"), false, labelBytes(COUNT), COUNT);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", plain.toString(), "--batch", "8");
        assertAccuracy(r, COUNT, 8);
    }

    @Test
    void labelsMissing() throws Exception {
        Path half = Files.createDirectories(dir.resolve("half"));
        writeIdx(half.resolve("t10k-images-idx3-ubyte.gz"), true, imageBytes(), COUNT, SIZE, SIZE);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", half.toString());
        Cli.assertOneLineError(r, 2, "t10k-labels-idx1-ubyte", "dataset-fashion-mnist");
    }

    @Test
    void fewerLabelsThanImages() throws Exception {
        Path short_ = Files.createDirectories(dir.resolve("short"));
        writeIdx(short_.resolve("t10k-images-idx3-ubyte.gz"), true, imageBytes(), COUNT, SIZE, SIZE);
        writeIdx(short_.resolve("t10k-labels-idx1-ubyte.gz"), true, labelBytes(COUNT - 1), COUNT - 1);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", short_.toString());
        Cli.assertOneLineError(r, 1, "labels");
    }

    @Test
    void imagesLargerThanTheModelInput() throws Exception {
        Path big = Files.createDirectories(dir.resolve("big"));
        writeIdx(big.resolve("t10k-images-idx3-ubyte.gz"), true, new byte[2 * 40 * 40], 2, 40, 40);
        writeIdx(big.resolve("t10k-labels-idx1-ubyte.gz"), true, new byte[2], 2);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", big.toString());
        Cli.assertOneLineError(r, 1, "40x40");
    }

    @Test
    void corruptIdxFile() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.write(bad.resolve("t10k-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2});
        writeIdx(bad.resolve("t10k-labels-idx1-ubyte.gz"), true, labelBytes(COUNT), COUNT);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", bad.toString());
        Cli.assertOneLineError(r, 1, "t10k-images-idx3-ubyte.gz");
    }

    @Test
    void emptyDataSetIsAnError() throws Exception {
        // 0 images: an accuracy of 0 / 0 is no result; the command should say the file has no images
        // instead of printing "accuracy NaN% (0 / 0), NaN images/s" and exiting 0.
        Path none = Files.createDirectories(dir.resolve("none"));
        writeIdx(none.resolve("t10k-images-idx3-ubyte.gz"), true, new byte[0], 0, SIZE, SIZE);
        writeIdx(none.resolve("t10k-labels-idx1-ubyte.gz"), true, new byte[0], 0);
        Cli.Result r = Cli.run("evaluate", "--weights", model.toString(), "--fashion-mnist", none.toString());
        assertTrue(!r.out().contains("NaN"), () -> "NaN printed\n" + r);
        Cli.assertOneLineError(r, 1, "t10k-images-idx3-ubyte.gz");
    }

    /** A bare state_dict evaluates too: α, classes and channels come from its tensors, the resolution from --resolution. */
    @Test
    void weightsWithoutMetadata() throws Exception {
        Path bare = dir.resolve("bare.safetensors");
        TestWeights.random(Cli.grayConfig(RESOLUTION), 1).save(bare, io.github.mobilenetj.io.DType.F32, null);
        Cli.Result r = Cli.run("evaluate", "--weights", bare.toString(), "--fashion-mnist", data.toString(), "--batch", "4");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("accuracy"), r::toString);
    }
}
