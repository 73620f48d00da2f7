import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.model.TestWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the reference data for native/check.sh with the library's public API and its test
 * fixture {@code TestWeights} (target/test-classes): OUTDIR/weights.safetensors (the seeded random
 * weights {@code MobileNetV1.builder().seed(seed).build()} uses, reference names, F32), OUTDIR/input.bin (a
 * deterministic NCHW float32 batch) and OUTDIR/logits.bin (what the Java library computes for it,
 * [batch, classes] float32), all little-endian.
 *
 * <pre>
 * $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes:DNNL_JAR \
 *     native/NativeCheckData.java OUTDIR [alpha resolution classes batch seed]
 * </pre>
 */
public class NativeCheckData {

    public static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 6) {
            System.err.println("usage: NativeCheckData OUTDIR [alpha resolution classes batch seed]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double alpha = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        int resolution = args.length > 1 ? Integer.parseInt(args[2]) : 224;
        int classes = args.length > 1 ? Integer.parseInt(args[3]) : 1000;
        int batch = args.length > 1 ? Integer.parseInt(args[4]) : 1;
        long seed = args.length > 1 ? Long.parseLong(args[5]) : 42;
        Files.createDirectories(out);

        ModelConfig config = MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution).classes(classes)
                .maxBatchSize(batch).config();
        Path weightsFile = out.resolve("weights.safetensors");
        TestWeights.random(config, seed).save(weightsFile, DType.F32,
                Map.of("format", "pt", "generator", "native/NativeCheckData.java", "seed", Long.toString(seed)));

        int imageFloats = config.inChannels() * resolution * resolution;
        float[] images = new float[batch * imageFloats];
        for (int i = 0; i < images.length; i++) {
            // Deterministic, roughly zero-mean and unit-scale like a normalized image, different per image.
            images[i] = (float) (Math.sin(i * 0.0137 + 0.5) * 1.5 + Math.cos(i * 0.00071) * 0.5);
        }

        float[] logits;
        // Load the file just written, so the Java side reads exactly what the C program reads.
        try (MobileNetV1 model = MobileNetV1.builder().widthMultiplier(alpha).resolution(resolution).classes(classes)
                .maxBatchSize(batch).load(weightsFile);
                Session session = model.newSession()) {
            logits = session.run(images);
        }
        writeFloats(out.resolve("input.bin"), images);
        writeFloats(out.resolve("logits.bin"), logits);
        float maxAbs = 0;
        for (float v : logits) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        System.out.printf(Locale.ROOT, "NativeCheckData: alpha %s, %dx%d, %d classes, batch %d, seed %d -> %s (max |logit| %.4f)%n",
                alpha, resolution, resolution, classes, batch, seed, out, maxAbs);
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        Files.write(file, buffer.array());
    }
}
