package io.github.mobilenetj.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the benchmarks' quantized network for α × resolution ({@link Support#writeQuantized}: weights seed 42,
 * min/max calibration on 64 seeded N(0, 1) inputs, every layer in 8 bits) as a quantized safetensors file, which
 * mobilenetj, ONNX Runtime's QDQ graph and the native C baseline ({@code --weights Q --precision int8}) all run.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.github.mobilenetj.bench.WriteQuantized
 * OUT.int8.safetensors ALPHA RESOLUTION}
 */
public final class WriteQuantized {

    private WriteQuantized() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: WriteQuantized OUT.int8.safetensors ALPHA RESOLUTION");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Support.writeQuantized(out, Double.parseDouble(args[1]), Integer.parseInt(args[2]));
        System.out.println("wrote " + out + " (alpha " + args[1] + ", " + args[2] + "x" + args[2] + ", weights seed "
                + Support.WEIGHT_SEED + ", min/max on " + Support.CALIBRATION_SAMPLES + " N(0, 1) inputs, seed "
                + Support.CALIBRATION_SEED + ")");
    }
}
