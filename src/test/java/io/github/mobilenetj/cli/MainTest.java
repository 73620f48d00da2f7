package io.github.mobilenetj.cli;

import static io.github.mobilenetj.cli.Cli.assertOneLineError;
import static io.github.mobilenetj.cli.Cli.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsWriter;
import io.github.mobilenetj.model.Kernel;
import io.github.mobilenetj.reference.MobileNetSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Main} end to end, in-process: user mistakes give one line and the documented exit code,
 * summaries give the published / independently counted totals, and the native commands run.
 */
class MainTest {

    @TempDir
    static Path dir;

    static Path png;

    @BeforeAll
    static void writeImage() throws Exception {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 90);
            }
        }
        png = dir.resolve("small.png");
        assertTrue(ImageIO.write(image, "png", png.toFile()));
    }

    // ---- user mistakes: exit 2 ----

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("frobnicate"), "frobnicate"),
                Arguments.of(List.of("summary", "--bogus", "1"), "--bogus"),
                Arguments.of(List.of("classify", "--colour", "red", "x.png"), "--colour"),
                Arguments.of(List.of("latency", "-threads", "2"), "-threads"),
                Arguments.of(List.of("summary", "--alpha"), "--alpha"),
                Arguments.of(List.of("latency", "--iterations"), "--iterations"),
                Arguments.of(List.of("latency", "--threads", "abc"), "--threads"),
                Arguments.of(List.of("latency", "--threads", "0"), "--threads"),
                Arguments.of(List.of("latency", "--threads", "-2"), "--threads"),
                Arguments.of(List.of("latency", "--threads", "1.5"), "--threads"),
                Arguments.of(List.of("summary", "--alpha", "wide"), "--alpha"),
                Arguments.of(List.of("summary", "--alpha", "0"), "--alpha"),
                Arguments.of(List.of("summary", "--alpha", "-0.5"), "--alpha"),
                Arguments.of(List.of("summary", "--alpha", "NaN"), "--alpha"),
                Arguments.of(List.of("summary", "--alpha", "Infinity"), "--alpha"),
                Arguments.of(List.of("latency", "--alpha", "x"), "--alpha"),
                Arguments.of(List.of("summary", "--resolution", "0"), "--resolution"),
                Arguments.of(List.of("summary", "extra"), "extra"),
                Arguments.of(List.of("demo", "extra"), "extra"),
                Arguments.of(List.of("classify"), "image"),
                Arguments.of(List.of("classify", "--top", "3"), "image"),
                Arguments.of(List.of("latency", "--threads", "100000"), "--threads"),
                Arguments.of(List.of("latency", "--threads", "99999999999"), "--threads"),
                Arguments.of(List.of("latency", "--precision", "fp8"), "--precision"),
                Arguments.of(List.of("latency", "--batch", "2147483647"), "batch size must be in 1..1024"),
                Arguments.of(List.of("summary", "--resolution", "100000"), "resolution must be in 1..2048"),
                Arguments.of(List.of("summary", "--alpha", "1e9"), "width multiplier"),
                Arguments.of(List.of("summary", "--classes", "2147483647"), "classes must be in 1..1048576"),
                Arguments.of(List.of("summary", "--alpha", "1", "--alpha", "2"), "twice"),
                Arguments.of(List.of("evaluate", "extra"), "extra"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void userMistakeExitsTwoWithOneLine(List<String> args, String mentioned) {
        Cli.Result r = run(args.toArray(String[]::new));
        assertOneLineError(r, 2, mentioned);
        assertEquals("", r.out(), () -> "nothing on out\n" + r);
    }

    @Test
    void classifyOfMissingFile() {
        Path missing = dir.resolve("no-such-image.png");
        Cli.Result r = run("classify", "--alpha", "0.25", "--resolution", "64", missing.toString());
        assertImageErrors(r, 1, missing + ": no such file");
    }

    @Test
    void classifyOfDirectory() {
        Cli.Result r = run("classify", "--alpha", "0.25", "--resolution", "64", dir.toString());
        assertImageErrors(r, 1, dir + ": not a regular file");
    }

    /** A bad image among good ones is reported and skipped: the others are classified, the exit code is 1. */
    @Test
    void classifyOfNonImageFile() throws Exception {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "these are not pixels\n");
        Cli.Result r = run("classify", "--alpha", "0.25", "--resolution", "64", png.toString(), text.toString(),
                png.toString());
        assertImageErrors(r, 3, text.toString());
        assertEquals(2, r.out().lines().filter(l -> l.equals(png + ":")).count(), "both good images classified\n" + r);
    }

    @Test
    void classifyOfEmptyFile() throws Exception {
        Path empty = dir.resolve("empty.jpg");
        Files.write(empty, new byte[0]);
        Cli.Result r = run("classify", "--alpha", "0.25", "--resolution", "64", empty.toString());
        assertImageErrors(r, 1, empty.toString());
    }

    /** Exit 1, one line naming the bad image, then the count; no stack trace. */
    private static void assertImageErrors(Cli.Result r, int images, String fragment) {
        assertEquals(1, r.exit(), r::toString);
        List<String> lines = r.errLines();
        assertEquals(2, lines.size(), r::toString);
        assertTrue(lines.get(0).startsWith("mobilenetj classify: ") && lines.get(0).contains(fragment), r::toString);
        assertEquals("mobilenetj classify: 1 of " + images + " image(s) could not be classified", lines.get(1));
        assertFalse(r.err().contains("\tat "), r::toString);
    }

    @Test
    void weightsFileMissing() {
        Path missing = dir.resolve("missing.safetensors");
        for (String command : new String[] {"classify", "latency"}) {
            Cli.Result r = command.equals("classify") ? run(command, "--weights", missing.toString(), png.toString())
                    : run(command, "--weights", missing.toString(), "--iterations", "1");
            assertOneLineError(r, 2, "--weights", missing.toString());
        }
        Cli.Result r = run("evaluate", "--weights", missing.toString(), "--fashion-mnist", dir.toString());
        assertOneLineError(r, 2, "--weights", missing.toString());
    }

    static Stream<Arguments> corruptWeights() throws Exception {
        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "this is certainly not a safetensors file, just some text\n");
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        // A good file cut short: the header promises more data than there is.
        Path good = dir.resolve("good.safetensors");
        Cli.writeGrayModel(good, 32, 3);
        byte[] all = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(all, all.length - 100));
        // A header that is not JSON.
        Path badJson = dir.resolve("bad-json.safetensors");
        byte[] header = "{\"a\": [".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] file = new byte[8 + header.length];
        file[0] = (byte) header.length;
        System.arraycopy(header, 0, file, 8, header.length);
        Files.write(badJson, file);
        // A valid safetensors file that holds something else than a MobileNet.
        Path other = dir.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of(), List.of(new NamedTensor("x", DType.F32, new long[] {2}, new float[] {1, 2})));
        return Stream.of(garbage, empty, tiny, truncated, badJson, other).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptWeights")
    void corruptWeightsFileExitsOne(Path file) {
        Cli.Result r = run("classify", "--weights", file.toString(), "--alpha", "0.25", "--resolution", "64", png.toString());
        assertOneLineError(r, 1, file.toString());
    }

    @Test
    void metadataModelRefusesShapeOptions() throws Exception {
        Path model = dir.resolve("self-describing.safetensors");
        Cli.writeGrayModel(model, 32, 5);
        // --alpha 0.5 contradicts the file's 0.25 tensors: every tensor that differs is listed.
        Cli.Result r = run("classify", "--weights", model.toString(), "--alpha", "0.5", png.toString());
        assertOneLineError(r, 1, model.toString(), "'model.0.0.weight' has shape [8, 1, 3, 3], expected [16, 1, 3, 3]");
    }

    @Test
    void evaluateWithoutIdxFiles() throws Exception {
        Path weights = dir.resolve("any-weights.safetensors");
        Files.writeString(weights, "not even read");
        Path empty = Files.createDirectories(dir.resolve("no-data"));
        Cli.Result r = run("evaluate", "--weights", weights.toString(), "--fashion-mnist", empty.toString());
        assertOneLineError(r, 2, "dataset-fashion-mnist", empty.toString());
    }

    // ---- help and summary ----

    @ParameterizedTest
    @ValueSource(strings = {"help", "--help", "-h"})
    void help(String arg) {
        Cli.Result r = run(arg);
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        for (String command : List.of("demo", "summary", "classify", "latency", "evaluate", "help")) {
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(command + " ") || l.trim().equals(command)),
                    () -> "usage should list " + command + "\n" + r);
        }
        for (String option : List.of("--weights", "--alpha", "--resolution", "--classes", "--top", "--iterations",
                "--threads", "--batch", "--fashion-mnist", "--limit", "--standard")) {
            assertTrue(r.out().contains(option), () -> "usage should mention " + option + "\n" + r);
        }
    }

    private static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Multiply-adds of one image, counted from the reference package's layer list: convolutions and fc. */
    private static long multiplyAdds(MobileNetSpec spec) {
        long total = 0;
        int size = spec.resolution();
        for (MobileNetSpec.ConvLayer layer : spec.convLayers()) {
            size = layer.outSize(size);
            total += (long) layer.out() * size * size * (layer.in() / layer.groups()) * layer.kernel() * layer.kernel();
        }
        return total + (long) spec.featureChannels() * spec.classes();
    }

    @Test
    void summaryOfTheBaseline() {
        Cli.Result r = run("summary");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        assertTrue(r.out().contains("Total params: 4,231,976"), r::toString);
        assertTrue(r.out().contains("568,740,352"), r::toString);
        // The independent count agrees with the published number, so it can be trusted below.
        assertEquals(568_740_352L, multiplyAdds(MobileNetSpec.of(1.0, 224, 1000)));
        assertEquals(4_231_976L, MobileNetSpec.of(1.0, 224, 1000).trainableParameterCount());
    }

    @Test
    void summaryOfASmallerModel() {
        MobileNetSpec spec = MobileNetSpec.of(0.5, 160, 1000);
        Cli.Result r = run("summary", "--alpha", "0.5", "--resolution", "160");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("Total params: " + grouped(spec.trainableParameterCount()) + "\n"), r::toString);
        assertTrue(r.out().contains("Total mult-adds: " + grouped(multiplyAdds(spec)) + " "), r::toString);
        assertTrue(r.out().contains("160x160"), r::toString);
    }

    @Test
    void summaryWithOtherClasses() {
        MobileNetSpec spec = MobileNetSpec.of(0.25, 128, 10);
        Cli.Result r = run("summary", "--alpha", "0.25", "--resolution", "128", "--classes", "10");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("Total params: " + grouped(spec.trainableParameterCount()) + "\n"), r::toString);
        assertTrue(r.out().contains("Total mult-adds: " + grouped(multiplyAdds(spec)) + " "), r::toString);
    }

    @Test
    void summaryOfStandardConvolutions() {
        Cli.Result r = run("summary", "--standard");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("Total params: 29,282,120"), r::toString);
        assertTrue(r.out().contains("Total mult-adds: 4,867,293,184"), r::toString);
    }

    // ---- native commands ----

    @Test
    void latencyPrintsOneLine() {
        Cli.Result r = run("latency", "--alpha", "0.25", "--resolution", "64", "--iterations", "5", "--threads", "1");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertTrue(lines.getFirst().contains("RANDOM"), r::toString);
        List<String> latency = lines.stream().filter(l -> l.contains("p50")).toList();
        assertEquals(1, latency.size(), r::toString);
        assertEquals(2, lines.size(), () -> "the note and the latency line\n" + r);
        String line = latency.getFirst();
        String num = "(\\d+(?:\\.\\d+)?)";
        Matcher m = Pattern.compile("p50 " + num + " ms, p90 " + num + " ms, p99 " + num + " ms, " + num + " images/s")
                .matcher(line);
        assertTrue(m.find(), line);
        double p50 = Double.parseDouble(m.group(1));
        double p90 = Double.parseDouble(m.group(2));
        double p99 = Double.parseDouble(m.group(3));
        assertTrue(p50 <= p90 && p90 <= p99, line);
        assertTrue(Double.parseDouble(m.group(4)) > 0, line);
        assertTrue(line.contains("64x64") && line.contains("5 runs") && line.contains("1 thread(s)")
                && line.contains("batch 1"), line);
    }

    @Test
    void demoIsTheDefaultCommand() {
        Cli.Result r = run();
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err());
        String out = r.out();
        assertTrue(Pattern.compile("(?m)^oneDNN \\d+\\.\\d+\\.\\d+").matcher(out).find(), out);
        assertTrue(out.contains("CPU ISA"), out);
        // The depthwise convolution's kernel: brdgmm_dw on AVX-512 / AVX2, jit_dw or ref otherwise.
        List<String> lines = out.lines().toList();
        int block = lines.indexOf(lines.stream().filter(l -> l.contains("The kernels oneDNN chose for its first layers"))
                .findFirst().orElseThrow(() -> new AssertionError(out)));
        String depthwise = lines.subList(block + 1, lines.size()).stream()
                .filter(l -> l.contains("dw") && l.contains(" convolution ")).findFirst()
                .orElseThrow(() -> new AssertionError("no depthwise convolution line\n" + out));
        assertTrue(Pattern.compile("convolution\\s+\\S*(dw|ref|gemm)\\S*$").matcher(depthwise).find(),
                () -> "a depthwise kernel name in\n" + depthwise + "\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" convolution ") && l.contains("1x1")), out);
        assertTrue(out.contains("Total params:"), out);
        assertTrue(out.contains("MobileNetV1 1.0-224 (4,231,976 parameters, 568,740,352 multiply-adds; RANDOM weights"), out);
        // One line per bundled Fashion-MNIST sample: file -> label, probability, right or wrong.
        Pattern sample = Pattern.compile("^\\s+(\\d)-[a-z0-9-]+\\.png\\s+->\\s+\\S.*\\d+\\.\\d%\\s+(right|WRONG \\(is .+\\))$");
        assertEquals(10, lines.stream().filter(l -> sample.matcher(l).matches()).count(), out);
        assertTrue(Pattern.compile("(?m)^\\s+\\d+ of 10 right$").matcher(out).find(), out);
        assertEquals(2, Pattern.compile("p50 [\\d.]+ ms, p90 [\\d.]+ ms, p99 [\\d.]+ ms, [\\d.]+ images/s").matcher(out)
                .results().count(), out);
        assertTrue(out.contains("100 runs"), out);
    }

    /** oneDNN's ISA names are x86 ones: elsewhere the demo shows the convolution kernels' implementation names. */
    @Test
    void demoIsaLineOnX86AndElsewhere() {
        List<Kernel> avx512 = List.of(
                new Kernel("reorder to 0: Conv2d dw", "reorder", "jit:uni", true),
                new Kernel("0: Conv2d dw", "convolution", "brdgmm_dw:avx512_core", false),
                new Kernel("1: Conv2d 1x1", "convolution", "brgconv_1x1:avx512_core", false));
        assertEquals("CPU ISA oneDNN detected: cpu_isa_avx10_1_512_amx; its fp32 convolution kernels here use avx512_core;"
                + " OpenMP threads: 2", DemoCommand.isaLine(Optional.of("cpu_isa_avx10_1_512_amx"), "amd64", avx512, 2));
        List<Kernel> sve = List.of(
                new Kernel("0: Conv2d dw", "convolution", "jit_dw:sve_128", false),
                new Kernel("1: Conv2d 1x1", "convolution", "jit_1x1:sve_128", false),
                new Kernel("reorder to output", "reorder", "jit:uni", true));
        assertEquals("CPU ISA: not reported on aarch64 (oneDNN names x86 ISAs only); its fp32 convolution kernels here:"
                + " jit_dw:sve_128, jit_1x1:sve_128; OpenMP threads: 4", DemoCommand.isaLine(Optional.empty(), "aarch64", sve, 4));
    }
}
