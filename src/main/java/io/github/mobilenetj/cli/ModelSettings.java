package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.NativeRuntime;
import io.github.mobilenetj.model.Precision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

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
        if (weights != null) {
            return b.load(weights);
        }
        if (!shaped && fallback == Fallback.BUNDLED) {
            out.println("Model: the bundled MobileNetV1 trained on Fashion-MNIST (pass --weights FILE for another model)");
            return b.fashionMnist();
        }
        out.println("NOTE: no --weights given: using RANDOM weights (seed " + DEMO_SEED
                + "), so predictions are meaningless. Pass --weights FILE.safetensors for a trained model.");
        return b.seed(DEMO_SEED).build();
    }
}
