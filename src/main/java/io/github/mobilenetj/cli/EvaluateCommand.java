package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.Evaluation;
import io.github.mobilenetj.model.LabelledImages;
import io.github.mobilenetj.model.MobileNetV1;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code mobilenetj evaluate}: test-set accuracy and throughput on Fashion-MNIST (IDX files). */
final class EvaluateCommand {
    private final PrintStream out;

    EvaluateCommand(PrintStream out) {
        this.out = out;
    }

    int run(List<String> args) throws IOException {
        Options o = new Options("evaluate", args,
                Set.of("weights", "fashion-mnist", "batch", "threads", "limit", "precision", "calibration", "samples", "method"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("evaluate takes no positional arguments, got " + Text.safe(o.positional().toString()));
        }
        o.existingFile("weights"); // a missing weights file is reported before the data set is read
        Path dir = Path.of(o.string("fashion-mnist", "/usr/share/datasets/fashion-mnist"));
        int batch = o.positiveInt("batch", 32);
        int limit = o.positiveInt("limit", Integer.MAX_VALUE);
        LabelledImages images;
        try {
            images = LabelledImages.fashionMnistTest(dir, limit);
        } catch (FileNotFoundException e) {
            throw new UsageException(e.getMessage());
        }
        try (MobileNetV1 model = ModelSettings.build(o, batch, out, ModelSettings.Fallback.BUNDLED)) {
            Evaluation r = Evaluation.run(model, images, batch, model.threads());
            String name = o.has("weights") ? Text.safe(Path.of(o.string("weights", "")).getFileName().toString()) : "the bundled model";
            out.printf(Locale.ROOT, "%s (%s) on %s: accuracy %.2f%% (%d / %d), %.1f images/s inference, %.1f images/s with"
                    + " preprocessing (batch %d, %d thread(s))%n", name, model.precision(), Text.safe(dir.toString()),
                    100.0 * r.accuracy(), r.correct(), r.size(), r.size() / r.inferenceSeconds(), r.size() / r.totalSeconds(),
                    batch, model.threads());
        }
        return 0;
    }
}
