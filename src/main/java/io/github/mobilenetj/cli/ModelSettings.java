package io.github.mobilenetj.cli;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.model.Calibration;
import io.github.mobilenetj.model.LabelledImages;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.NativeRuntime;
import io.github.mobilenetj.model.Precision;
import java.io.IOException;
import java.io.PrintStream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** The model options shared by the commands. */
final class ModelSettings {
    /** Seed of the random weights used when no weights file is given. */
    static final long DEMO_SEED = 42;

    /** What a command runs when given no --weights and no shape options. */
    enum Fallback { BUNDLED, RANDOM }

    private ModelSettings() {
    }

    /** The configuration --alpha, --resolution and --classes describe (for summary: no native code). */
    static ModelConfig config(Options o) {
        try {
            return builder(o, 1).config();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static MobileNetV1.Builder builder(Options o, int maxBatch) {
        MobileNetV1.Builder b = MobileNetV1.builder().maxBatchSize(maxBatch);
        if (o.has("alpha")) {
            b.widthMultiplier(o.positiveDouble("alpha", 1.0));
        }
        if (o.has("resolution")) {
            b.resolution(o.positiveInt("resolution", 224));
        }
        if (o.has("classes")) {
            b.classes(o.positiveInt("classes", 1000));
        }
        if (o.has("precision")) {
            b.precision(precision(o.string("precision", "fp32")));
        }
        if (o.has("threads")) {
            int threads = o.positiveInt("threads", 1);
            if (threads > MobileNetV1.maxThreads()) {
                throw new UsageException("--threads must be at most " + MobileNetV1.maxThreads()
                        + " (the processors available here), got " + threads);
            }
            b.threads(threads);
        }
        return b;
    }

    static Precision precision(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32" -> Precision.FP32;
            case "bf16" -> Precision.BF16;
            case "int8" -> Precision.INT8;
            default -> throw new UsageException("--precision must be fp32, bf16 or int8, got '" + Text.safe(value) + "'");
        };
    }

    /** Loads oneDNN, turning a failure into exit code 3. */
    static NativeRuntime natives() {
        try {
            return NativeRuntime.load();
        } catch (RuntimeException | LinkageError e) {
            throw new NativeLoadException(e.getMessage(), e);
        }
    }

    /**
     * Builds the model: the weights file if given (its own settings, checked against any shape
     * option), else with shape options seeded random weights (said plainly), else the fallback.
     */
    static MobileNetV1 build(Options o, int maxBatch, PrintStream out, Fallback fallback) throws IOException {
        Path weights = o.existingFile("weights");
        boolean shaped = o.has("alpha") || o.has("resolution") || o.has("classes");
        MobileNetV1.Builder b;
        try {
            b = builder(o, maxBatch);
            if (weights == null) {
                b.config(); // reports impossible settings as usage errors before any native work
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        natives();
        boolean int8 = o.has("precision") && precision(o.string("precision", "")) == Precision.INT8;
        if (o.has("calibration")) {
            b.calibration(calibration(o));
        }
        if (weights != null) {
            return b.load(weights);
        }
        if (!shaped && fallback == Fallback.BUNDLED) {
            out.println("Model: the bundled MobileNetV1 trained on Fashion-MNIST" + (int8 && !o.has("calibration")
                    ? ", its bundled INT8 version" : "") + " (pass --weights FILE for another model)");
            return b.fashionMnist();
        }
        out.println("NOTE: no --weights given: using RANDOM weights (seed " + DEMO_SEED
                + "), so predictions are meaningless. Pass --weights FILE.safetensors for a trained model.");
        if (int8 && !o.has("calibration")) {
            out.println("NOTE: INT8 random weights are calibrated on " + RANDOM_CALIBRATION
                    + " random N(0, 1) inputs (speed only; pass --calibration DIR for real data)");
            b.calibration(Calibration.ofTensors(randomInputs(b.config().imageSize(), RANDOM_CALIBRATION)));
        }
        return b.seed(DEMO_SEED).build();
    }

    /** Random inputs that calibrate random weights for speed measurements. */
    static final int RANDOM_CALIBRATION = 16;

    private static List<float[]> randomInputs(int floats, int count) {
        SplittableRandom random = new SplittableRandom(DEMO_SEED);
        List<float[]> inputs = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            float[] x = new float[floats];
            for (int i = 0; i < floats; i++) {
                double u = 1.0 - random.nextDouble();
                x[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
            }
            inputs.add(x);
        }
        return inputs;
    }

    /**
     * The calibration data --calibration DIR names: Fashion-MNIST-style IDX training images
     * ({@code train-images-idx3-ubyte[.gz]}) if DIR holds them, else the PNG/JPEG files in DIR (sorted
     * by name); the first --samples of them (default 500), by --method (minmax or percentile).
     */
    static Calibration calibration(Options o) throws java.io.IOException {
        Path dir = Path.of(o.string("calibration", "."));
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--calibration: not a directory: " + Text.safe(dir.toString()));
        }
        int samples = o.positiveInt("samples", 500);
        if (samples > Calibration.MAX_SAMPLES) {
            throw new UsageException("--samples must be at most " + Calibration.MAX_SAMPLES + ", got " + samples);
        }
        Calibration calibration;
        if (Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"))) {
            LabelledImages train = LabelledImages.fashionMnistTrain(dir, samples);
            calibration = Calibration.ofImages(train, Math.min(samples, train.size()))
                    .describedAs("the first " + Math.min(samples, train.size()) + " training images of " + dir);
        } else {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)"))
                        .sorted().limit(samples).toList();
            }
            if (files.isEmpty()) {
                throw new UsageException("--calibration " + Text.safe(dir.toString())
                        + " holds no train-images-idx3-ubyte[.gz] and no PNG/JPEG files");
            }
            List<BufferedImage> images = new ArrayList<>();
            for (Path f : files) {
                images.add(ImageFiles.read(f));
            }
            calibration = Calibration.ofImages(images).describedAs(images.size() + " images of " + dir);
        }
        String method = o.string("method", "minmax").toLowerCase(Locale.ROOT);
        return switch (method) {
            case "minmax" -> calibration;
            case "percentile" -> calibration.method(Calibration.Method.PERCENTILE);
            default -> throw new UsageException("--method must be minmax or percentile, got '" + Text.safe(method) + "'");
        };
    }
}
