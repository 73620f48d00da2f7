package io.github.mobilenetj.bench;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the benchmarks' weights ({@code TestWeights.random(config, 42)}, the weights of {@code MobileNetV1.builder().seed(42).build()}, reference state_dict names, BatchNorm
 * not folded, F32) as safetensors, for the native C baseline, so all three engines run the same weights.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.mobilenetj.bench.WriteWeights OUT.safetensors ALPHA [CLASSES]}
 */
public final class WriteWeights {

    private WriteWeights() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: WriteWeights OUT.safetensors ALPHA [CLASSES]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double alpha = Double.parseDouble(args[1]);
        int classes = args.length > 2 ? Integer.parseInt(args[2]) : Support.CLASSES;
        ModelConfig d = ModelConfig.defaults();
        // Weights do not depend on the resolution; 224 is only there to make a valid configuration.
        ModelConfig config = new ModelConfig(alpha, 224, classes, d.inChannels(), d.activation(), d.batchNormEpsilon(),
                d.inputLayout(), 1);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        io.github.mobilenetj.model.TestWeights.random(config, Support.WEIGHT_SEED)
                .save(out, DType.F32, Map.of("format", "pt", "seed", Long.toString(Support.WEIGHT_SEED)));
        System.out.println("wrote " + out + " (alpha " + alpha + ", " + classes + " classes, seed " + Support.WEIGHT_SEED + ")");
    }
}
