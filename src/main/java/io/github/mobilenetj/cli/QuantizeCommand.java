package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code mobilenetj quantize}: post-training static quantization of a float weights file (or the
 * bundled model) into a quantized safetensors file that loads as INT8 without calibration data.
 */
final class QuantizeCommand {
    private final PrintStream out;

    QuantizeCommand(PrintStream out) {
        this.out = out;
    }

    int run(List<String> args) throws IOException {
        Options o = new Options("quantize", args,
                Set.of("weights", "calibration", "out", "samples", "method", "threads"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("quantize takes no positional arguments, got " + Text.safe(o.positional().toString()));
        }
        if (!o.has("calibration")) {
            throw new UsageException("quantize needs --calibration DIR (e.g. /usr/share/datasets/fashion-mnist, whose"
                    + " training images calibrate the bundled model, or a directory of PNG/JPEG images)");
        }
        if (!o.has("out")) {
            throw new UsageException("quantize needs --out FILE.int8.safetensors");
        }
        Path target = Path.of(o.string("out", ""));
        Options withPrecision = new Options("quantize", withInt8(args), Set.of("weights", "calibration", "out", "samples",
                "method", "threads", "precision"), Set.of());
        long start = System.nanoTime();
        try (MobileNetV1 model = ModelSettings.build(withPrecision, 1, out, ModelSettings.Fallback.BUNDLED)) {
            if (model.precision() != Precision.INT8) {
                throw new IllegalStateException("expected an INT8 model, got " + model.precision());
            }
            model.saveQuantized(target);
            out.printf(Locale.ROOT, "wrote %s: %s, calibrated in %.1f s%n", Text.safe(target.toString()), model,
                    (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }

    private static List<String> withInt8(List<String> args) {
        List<String> all = new java.util.ArrayList<>(args);
        all.add("--precision");
        all.add("int8");
        return all;
    }
}
