package io.github.mobilenetj.cli;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.nn.Layout;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/** {@code mobilenetj classify IMAGE...}: torchvision's evaluation preprocessing, then top-k classes. */
final class ClassifyCommand {
    static final String SAMPLE = "chelsea.png";

    private final PrintStream out;

    ClassifyCommand(PrintStream out) {
        this.out = out;
    }

    void run(List<String> args) throws IOException {
        Options o = new Options("classify", args, Set.of("weights", "alpha", "resolution", "classes", "top"), Set.of());
        if (o.positional().isEmpty()) {
            throw new UsageException("classify needs at least one image file");
        }
        int top = o.positiveInt("top", 5);
        List<Path> files = new ArrayList<>();
        for (String name : o.positional()) {
            Path p = Path.of(name);
            if (!java.nio.file.Files.isRegularFile(p)) {
                throw new UsageException("no such image file: " + name);
            }
            files.add(p);
        }
        try (MobileNetV1 model = ModelSettings.build(o, 1, out)) {
            for (Path file : files) {
                print(model, file.toString(), ImageFiles.read(file), top, out);
            }
        }
    }

    /** Classifies the sample image bundled with the library. */
    static void printSample(MobileNetV1 model, PrintStream out, int top) throws IOException {
        try (InputStream in = ClassifyCommand.class.getResourceAsStream(SAMPLE)) {
            if (in == null) {
                throw new IOException("sample image " + SAMPLE + " is missing from the jar");
            }
            BufferedImage image = ImageIO.read(in);
            print(model, "sample image " + SAMPLE + " (Chelsea the cat, CC0, from scikit-image)", image, top, out);
        }
    }

    private static void print(MobileNetV1 model, String name, BufferedImage image, int top, PrintStream out) {
        ImageTransform transform = model.preprocessing();
        float[] input = new float[model.imageSize()];
        transform.apply(image, model.config().inputLayout() == Layout.NHWC ? PixelLayout.HWC : PixelLayout.CHW, input, 0);
        float[] logits;
        try (Session session = model.newSession()) {
            logits = session.run(input);
        }
        out.println(name + ":");
        for (Prediction p : Predictions.topK(logits, 0, logits.length, top, model.labels())) {
            out.printf(Locale.ROOT, "  %5.1f%%  %4d  %s%n", p.probability() * 100, p.classIndex(), p.label());
        }
    }
}
