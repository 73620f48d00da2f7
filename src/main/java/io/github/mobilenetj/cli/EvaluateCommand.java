package io.github.mobilenetj.cli;

import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.IdxFile;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.nn.Layout;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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

    void run(List<String> args) throws IOException {
        Options o = new Options("evaluate", args, Set.of("weights", "fashion-mnist", "batch", "threads", "limit"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("evaluate takes no positional arguments, got " + o.positional());
        }
        Path weights = o.existingFile("weights");
        if (weights == null) {
            throw new UsageException("evaluate needs --weights FILE (a self-describing .safetensors model)");
        }
        Path dir = Path.of(o.string("fashion-mnist", "/usr/share/datasets/fashion-mnist"));
        Path images = idx(dir, "t10k-images-idx3-ubyte");
        Path labels = idx(dir, "t10k-labels-idx1-ubyte");
        int batch = o.positiveInt("batch", 32);
        int threads = o.positiveInt("threads", Runtime.getRuntime().availableProcessors());
        IdxFile imageFile = IdxFile.read(images);
        if (imageFile.dims().length == 0 || imageFile.dims()[0] == 0) {
            throw new IllegalArgumentException(images + ": contains no images");
        }
        IdxFile labelFile = IdxFile.read(labels);
        try (MobileNetV1 model = MobileNetV1.load(weights, batch)) {
            Result r = evaluate(model, imageFile, labelFile, batch, threads, o.positiveInt("limit", Integer.MAX_VALUE));
            out.printf(Locale.ROOT, "%s on %s: accuracy %.2f%% (%d / %d), %.1f images/s inference, %.1f images/s with preprocessing"
                    + " (batch %d, %d thread(s))%n", weights.getFileName(), dir, 100.0 * r.correct() / r.total(), r.correct(),
                    r.total(), r.total() / r.inferenceSeconds(), r.total() / r.totalSeconds(), batch, threads);
        }
    }

    private static Path idx(Path dir, String name) {
        for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new UsageException("no " + name + "[.gz] in " + dir + " (Debian: apt-get install dataset-fashion-mnist)");
    }

    /** Correct predictions, images seen and the time spent. */
    record Result(int correct, int total, double inferenceSeconds, double totalSeconds) {
    }

    static Result evaluate(MobileNetV1 model, IdxFile images, IdxFile labels, int batch, int threads, int limit) {
        int[] dims = images.dims();
        if (dims.length != 3 || labels.dims().length != 1 || labels.dims()[0] != dims[0]) {
            throw new IllegalArgumentException("expected N x H x W images and N labels, got images " + java.util.Arrays.toString(dims)
                    + " and labels " + java.util.Arrays.toString(labels.dims()));
        }
        int count = Math.min(dims[0], limit);
        int h = dims[1];
        int w = dims[2];
        int classes = model.config().classes();
        ImageTransform transform = model.preprocessing();
        PixelLayout layout = model.config().inputLayout() == Layout.NHWC ? PixelLayout.HWC : PixelLayout.CHW;
        int imageFloats = model.imageSize();
        float[] input = new float[batch * imageFloats];
        float[][] logitsByBatch = new float[batch + 1][];
        BufferedImage gray = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
        int correct = 0;
        long inferenceNanos = 0;
        long start = System.nanoTime();
        try (Session session = model.newSession(threads)) {
            for (int first = 0; first < count; first += batch) {
                int n = Math.min(batch, count - first);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(images.item(first + i), 0, pixels, 0, h * w);
                    transform.apply(gray, layout, input, i * imageFloats);
                }
                float[] logits = logitsByBatch[n] != null ? logitsByBatch[n] : (logitsByBatch[n] = new float[n * classes]);
                float[] batchInput = n == batch ? input : java.util.Arrays.copyOf(input, n * imageFloats);
                long t0 = System.nanoTime();
                session.run(batchInput, logits);
                inferenceNanos += System.nanoTime() - t0;
                for (int i = 0; i < n; i++) {
                    if (argmax(logits, i * classes, classes) == labels.unsignedAt(first + i)) {
                        correct++;
                    }
                }
            }
        }
        return new Result(correct, count, inferenceNanos / 1e9, (System.nanoTime() - start) / 1e9);
    }

    static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
