package io.github.mobilenetj.bench;

import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsWriter;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the benchmarks' input batch ({@code Support.fill} with the input seed, NCHW) and mobilenetj's logits
 * for it on the benchmarks' weights, as safetensors tensors {@code input} and {@code logits}: the Python
 * PyTorch peer (bench/pytorch_python.py) runs the same input and reports how far its logits are from ours.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.github.mobilenetj.bench.WriteReference OUT.safetensors ALPHA RESOLUTION BATCH}
 */
public final class WriteReference {

    private WriteReference() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: WriteReference OUT.safetensors ALPHA RESOLUTION BATCH");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double alpha = Double.parseDouble(args[1]);
        int resolution = Integer.parseInt(args[2]);
        int batch = Integer.parseInt(args[3]);
        try (OursNet ours = new OursNet(alpha, resolution, batch, 1)) {
            ours.run();
            float[] input = ours.images.toArray(ValueLayout.JAVA_FLOAT);
            float[] logits = ours.logits.toArray(ValueLayout.JAVA_FLOAT);
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            SafetensorsWriter.write(out, Map.of("weight_seed", Long.toString(Support.WEIGHT_SEED),
                    "input_seed", Long.toString(Support.INPUT_SEED), "alpha", args[1]), List.of(
                    new NamedTensor("input", new long[] {batch, 3, resolution, resolution}, input),
                    new NamedTensor("logits", new long[] {batch, Support.CLASSES}, logits)));
        }
        System.out.println("wrote " + out + " (input and mobilenetj logits, alpha " + alpha + ", " + resolution
                + ", batch " + batch + ")");
    }
}
