package io.github.mobilenetj.cli;

import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelMetadata;
import io.github.mobilenetj.model.ModelConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** The model options shared by the commands. */
final class ModelSettings {
    /** Seed of the random weights used when no weights file is given. */
    static final long DEMO_SEED = 42;

    private ModelSettings() {
    }

    private static boolean describesModel(Path weights) throws IOException {
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            return ModelMetadata.describesModel(st.metadata());
        }
    }

    static ModelConfig config(Options o, int maxBatch) {
        try {
            return builder(o, maxBatch).config();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static MobileNetV1.Builder builder(Options o, int maxBatch) {
        return MobileNetV1.builder()
                .widthMultiplier(o.positiveDouble("alpha", 1.0))
                .resolution(o.positiveInt("resolution", 224))
                .classes(o.positiveInt("classes", 1000))
                .maxBatchSize(maxBatch);
    }

    /** Builds the model, with the weights file if given, else seeded random weights (said plainly). */
    static MobileNetV1 build(Options o, int maxBatch, PrintStream out) throws IOException {
        return build(o, maxBatch, out, false);
    }

    /**
     * Like {@link #build(Options, int, PrintStream)}, but with neither weights nor shape options
     * and {@code bundledByDefault}, the bundled Fashion-MNIST model.
     */
    static MobileNetV1 build(Options o, int maxBatch, PrintStream out, boolean bundledByDefault) throws IOException {
        Path weights = o.existingFile("weights");
        boolean shaped = o.string("alpha", null) != null || o.string("resolution", null) != null
                || o.string("classes", null) != null;
        if (weights == null && !shaped && bundledByDefault) {
            out.println("Model: the bundled MobileNetV1 trained on Fashion-MNIST (pass --weights FILE for another model)");
            return MobileNetV1.fashionMnist(maxBatch);
        }
        if (weights != null && describesModel(weights)) {
            for (String option : new String[] {"alpha", "resolution", "classes"}) {
                if (o.string(option, null) != null) {
                    throw new UsageException(weights + " describes its own model in its metadata; drop --" + option);
                }
            }
            return MobileNetV1.load(weights, maxBatch);
        }
        config(o, maxBatch); // reports impossible settings as usage errors before any work
        MobileNetV1.Builder b = builder(o, maxBatch);
        if (weights != null) {
            b.weights(weights);
        } else {
            out.println("NOTE: no --weights given: using RANDOM weights (seed " + DEMO_SEED
                    + "), so predictions are meaningless. Pass --weights FILE.safetensors for a trained model.");
            b.randomWeights(DEMO_SEED);
        }
        return b.build();
    }
}
