package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.image.ImageNetTransform;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.Normalization;
import io.github.mobilenetj.image.PadTransform;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * train/convert.py turns PyTorch state_dicts into files the library loads and runs like PyTorch.
 *
 * <p>src/test/python/converter_fixtures.py builds, with Debian's PyTorch, (a) the reference model
 * (train/mobilenet_v1.py, α 0.5, 1 channel, 10 classes) saved as a DataParallel training checkpoint
 * {@code {"state_dict": {"module.…": …}, "epoch", …}}, pickled whole, and next to a booby-trapped
 * object; (b) a state_dict with timm's {@code mobilenetv1_*} names from an independent ReLU6 module
 * (α 0.25, 1000 classes), stored as the hub stores it; (c) the same in BF16. BatchNorm statistics and affine parameters are random
 * and ReLU6 clips. PyTorch's eval-mode logits for fixed inputs come with them, plus the logits of the
 * other activation, which must differ by far more than the tolerance so the comparison can fail.
 * Every conversion runs train/convert.py as a command (it needs only numpy, about 0.2 s each).
 *
 * <p>Tolerance: max |ours − PyTorch| ≤ 1e-4 · max |PyTorch| (as FashionMnistReferenceTest). Both
 * compute in float32, but the library folds BatchNorm into the weights and oneDNN sums in other orders
 * than PyTorch, so each of the 28 layers adds rounding differences of a few float32 ulps that
 * accumulate; the measured differences are printed (5e-6 to 1e-5 relative here).
 *
 * <p>Skipped, with the reason, when /usr/bin/python3 cannot import torch (.ci/run installs python3-torch).
 */
class ConverterTest {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path CONVERT = Path.of("train/convert.py");
    static final Path DRIVER = Path.of("src/test/python/converter_fixtures.py");
    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    @BeforeAll
    static void buildFixtures() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(PYTHON), PYTHON + " not found (Debian: apt-get install python3-torch)");
        long start = System.nanoTime();
        Result r = run(List.of(PYTHON.toString(), DRIVER.toAbsolutePath().toString(), dir.toString()), 300);
        assumeTrue(r.status != 77, "converter test skipped: " + r.stdout.strip());
        assertEquals(0, r.status, "converter_fixtures.py failed:\n" + r.stdout + r.stderr);
        System.out.printf(Locale.ROOT, "ConverterTest: fixtures built in %.1f s%n%s", (System.nanoTime() - start) / 1e9,
                r.stdout);
    }

    /** (a) A reference training checkpoint (wrapped, module.-prefixed) converted with labels and a pad transform. */
    @Test
    void referenceCheckpointRunsLikePyTorch() throws IOException, InterruptedException {
        Path file = dir.resolve("reference.safetensors");
        Result r = convert("reference.pt", "-o", file.toString(), "--resolution", "32", "--input-transform", "pad",
                "--mean", "0.25", "--std", "0.5", "--labels", "labels.txt");
        assertEquals(0, r.status, r.stderr);
        assertTrue(r.stdout.contains("from 'state_dict' (prefix module. removed), 27 num_batches_tracked dropped"), r.stdout);
        List<String> labels = Files.readAllLines(dir.resolve("labels.txt"), StandardCharsets.UTF_8);
        try (MobileNetV1 model = MobileNetV1.load(file)) {
            ModelConfig c = model.config();
            assertEquals(0.5, c.widthMultiplier());
            assertEquals(32, c.resolution());
            assertEquals(1, c.inChannels());
            assertEquals(10, c.classes());
            assertEquals(Activation.RELU, c.activation());
            assertEquals(1e-5, c.batchNormEpsilon());
            assertEquals(labels, model.labels().names(), "labels round-trip, quotes, commas and non-ASCII included");
            PadTransform pad = assertInstanceOf(PadTransform.class, model.preprocessing());
            assertEquals(Normalization.of(new float[] {0.25f}, new float[] {0.5f}), pad.normalization());
            compare(model, "reference", "reference");
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals("reference", st.metadata().get("source_naming"));
            assertEquals("reference.pt", st.metadata().get("source"));
            assertEquals(137, st.names().size(), "137 tensors: num_batches_tracked dropped");
            assertTrue(st.names().stream().allMatch(n -> n.startsWith("model.") || n.startsWith("fc.")), "prefix removed");
            assertTrue(st.names().stream().allMatch(n -> st.info(n).dtype() == DType.F32));
        }
    }

    /**
     * A pickled whole module (torch.save(model)) and a checkpoint holding an object whose unpickling
     * would create a file: both give the reference tensors, and nothing from the file runs.
     */
    @Test
    void pickledModuleAndUntrustedCheckpointGiveTheTensorsAndRunNothing() throws IOException, InterruptedException {
        Path reference = dir.resolve("reference-plain.safetensors");
        assertEquals(0, convert("reference.pt", "-o", reference.toString()).status);
        for (String input : List.of("module.pt", "untrusted.pt")) {
            Path out = dir.resolve(input + ".safetensors");
            Result r = convert(input, "-o", out.toString());
            assertEquals(0, r.status, input + ": " + r.stderr);
            try (SafetensorsFile expected = SafetensorsFile.open(reference); SafetensorsFile actual = SafetensorsFile.open(out)) {
                assertEquals(expected.names(), actual.names(), input);
                for (String name : expected.names()) {
                    assertArrayEquals(expected.readFloats(name), actual.readFloats(name), input + ": " + name);
                }
            }
        }
        assertFalse(Files.exists(dir.resolve("MARKER")), "the checkpoint's open(MARKER, 'w') must not run");
    }

    /** (b) timm's names, hub layout, defaults: ReLU6, 0.5 mean/std, ImageNet labels; on the command line. */
    @Test
    void timmStateDictRunsLikePyTorch() throws IOException, InterruptedException {
        Path out = dir.resolve("timm-converted.safetensors");
        Result r = convert("timm.safetensors", "-o", out.toString(), "--resolution", "64");
        assertEquals(0, r.status, r.stderr);
        assertTrue(r.stdout.startsWith("wrote " + out) && r.stdout.strip().lines().count() == 1, r.stdout);
        assertTrue(r.stdout.contains("relu6") && r.stdout.contains("27 num_batches_tracked dropped"), r.stdout);
        try (MobileNetV1 model = MobileNetV1.load(out)) {
            ModelConfig c = model.config();
            assertEquals(0.25, c.widthMultiplier());
            assertEquals(64, c.resolution());
            assertEquals(3, c.inChannels());
            assertEquals(1000, c.classes());
            assertEquals(Activation.RELU6, c.activation(), "timm means ReLU6");
            assertEquals(Labels.imageNet().names(), model.labels().names());
            ImageNetTransform t = assertInstanceOf(ImageNetTransform.class, model.preprocessing());
            assertEquals(64, t.cropSize());
            assertEquals(Normalization.of(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}), t.normalization());
            compare(model, "timm", "timm");
        }
        try (SafetensorsFile st = SafetensorsFile.open(out)) {
            Map<String, String> m = st.metadata();
            assertEquals("relu6", m.get("activation"));
            assertEquals("64", m.get("resolution"));
            assertEquals("bicubic", m.get("interpolation"), "timm's pretrained cfg, recorded");
            assertEquals("timm", m.get("source_naming"));
            assertTrue(st.contains("conv_stem.weight") && st.contains("blocks.3.5.conv_pw.weight"), "timm names kept");
            assertFalse(st.names().stream().anyMatch(n -> n.endsWith("num_batches_tracked")));
        }
    }

    /** (c) BF16 kept as BF16; activation and ε overridden on the command line. */
    @Test
    void bf16KeptWithOverriddenActivationAndEpsilon() throws IOException, InterruptedException {
        Path out = dir.resolve("timm-bf16-converted.safetensors");
        Result r = convert("timm-bf16.safetensors", "-o", out.toString(), "--resolution", "64", "--dtype", "keep",
                "--activation", "relu", "--bn-eps", "1e-3");
        assertEquals(0, r.status, r.stderr);
        try (SafetensorsFile st = SafetensorsFile.open(out)) {
            assertTrue(st.names().stream().allMatch(n -> st.info(n).dtype() == DType.BF16), "BF16 kept");
        }
        try (MobileNetV1 model = MobileNetV1.load(out)) {
            assertEquals(Activation.RELU, model.config().activation(), "--activation wins over timm's ReLU6");
            assertEquals(1e-3, model.config().batchNormEpsilon());
            compare(model, "timm", "timm_bf16");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            not-mobilenet.safetensors |                           | not a MobileNetV1 state_dict ; 0.weight, 0.bias
            wrong-shapes.safetensors  |                           | 'model.5.3.weight' has shape [128, 120, 1, 1], expected [128, 128, 1, 1] ; missing 'fc.bias' [10]
            timm-head.safetensors     |                           | unexpected 'conv_head.weight' [256, 256, 1, 1] ; mobilenetv1_100h
            timm-035.safetensors      |                           | 'conv_stem.weight' has shape [16, 3, 3, 3], expected [11, 3, 3, 3] ; make_divisible
            non-finite.safetensors    |                           | 'model.3.1.running_var' has a non-finite value nan at index [5]
            timm.safetensors          | --labels LABELS           | 10 names for 1000 classes
            timm.safetensors          | --mean 0.5,0.5 --std 1,1  | --mean '0.5,0.5' has 2 values for 3 input channels
            timm.safetensors          | --num-classes 10          | --num-classes 10, but the classifier's shape says 1000
            timm.safetensors          | --bn-eps 2                | --bn-eps 2 is outside [0, 1]
            no-state-dict.pt          |                           | no state_dict found ; optimizer (dict), epoch (int) ; --state-dict-key
            """)
    void refusesWhatTheLibraryWouldNotLoad(String input, String options, String expected)
            throws IOException, InterruptedException {
        Path out = dir.resolve("refused-" + input);
        List<String> args = new ArrayList<>(List.of(input, "-o", out.toString()));
        if (options != null) {
            for (String o : options.split(" ")) {
                args.add(o.equals("LABELS") ? dir.resolve("labels.txt").toString() : o);
            }
        }
        Result r = convert(args.toArray(String[]::new));
        assertEquals(1, r.status, "refused with status 1:\n" + r.stdout + r.stderr);
        assertTrue(r.stderr.startsWith("convert.py: refused: "), r.stderr);
        for (String fragment : expected.split(" ; ")) {
            assertTrue(r.stderr.contains(fragment.strip()), "stderr names '" + fragment.strip() + "':\n" + r.stderr);
        }
        assertFalse(Files.exists(out), "nothing written");
        assertEquals("", r.stdout);
    }

    @Test
    void helpAndUsageErrors() throws IOException, InterruptedException {
        Result help = convert("--help");
        assertEquals(0, help.status, help.stderr);
        assertTrue(help.stdout.startsWith("usage: convert.py") && help.stdout.contains("mobilenetv1_100.ra4_e3600_r224_in1k")
                && help.stdout.contains("--activation {relu,relu6}"), help.stdout);
        Result bad = convert("timm.safetensors", "-o", dir.resolve("x.safetensors").toString(), "--activation", "gelu");
        assertEquals(2, bad.status, "argparse's status for a bad command line");
        assertTrue(bad.stderr.contains("invalid choice: 'gelu'"), bad.stderr);
    }

    // ------------------------------------------------------------------ helpers

    /** Runs {@code model} on {@code inputs}.input and compares with PyTorch's {@code logits}.logits. */
    private static void compare(MobileNetV1 model, String inputs, String logits) throws IOException {
        float[] input;
        float[] expected;
        float[] other;
        long[] shape;
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            input = st.readFloats(inputs + ".input");
            shape = st.info(inputs + ".input").shape();
            expected = st.readFloats(logits + ".logits");
            other = st.readFloats(logits + ".logits_other");
        }
        int images = (int) shape[0];
        int size = model.config().imageSize();
        assertEquals(images * size, input.length);
        float[] actual = new float[expected.length];
        try (Session session = model.newSession()) {
            for (int i = 0; i < images; i++) {
                float[] out = session.run(Arrays.copyOfRange(input, i * size, (i + 1) * size));
                System.arraycopy(out, 0, actual, i * out.length, out.length);
            }
        }
        double scale = maxAbs(expected);
        double err = maxAbsDiff(expected, actual);
        double otherErr = maxAbsDiff(expected, other);
        System.out.printf(Locale.ROOT, "ConverterTest %-9s: max |ours - torch| = %.3g, max |torch| = %.3g, relative %.3g;"
                + " other activation differs by %.3g%n", logits, err, scale, err / scale, otherErr);
        assertTrue(err <= TOLERANCE * scale, logits + ": max abs error " + err + " > " + TOLERANCE + " * " + scale);
        assertTrue(otherErr > 100 * TOLERANCE * scale, logits + ": the other activation's logits differ by only "
                + otherErr + ", so this comparison could not tell the activations apart");
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(b[i])) {
                fail("logit " + i + " is " + b[i]);
            }
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    record Result(int status, String stdout, String stderr) {
    }

    /** train/convert.py ARGS, run from the fixtures directory. */
    private static Result convert(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), CONVERT.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return run(command, 120);
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }
}
