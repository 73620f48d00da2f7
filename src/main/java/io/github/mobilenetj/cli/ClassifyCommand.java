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
    /** Where the bundled Fashion-MNIST sample images are on the class path. */
    static final String SAMPLES = "/io/github/mobilenetj/cli/samples/";

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
        try (MobileNetV1 model = ModelSettings.build(o, 1, out, true)) {
            for (Path file : files) {
                print(model, file.toString(), ImageFiles.read(file), top, out);
            }
        }
    }

    /**
     * Classifies the Fashion-MNIST test images bundled with the library (one per class, named
     * {@code <class>-<label>.png}) and marks each prediction right or wrong.
     */
    static void printSamples(MobileNetV1 model, PrintStream out) throws IOException {
        List<String> names = model.labels().names();
        int correct = 0;
        try (Session session = model.newSession()) {
            for (int c = 0; c < names.size(); c++) {
                String file = sampleName(c, names.get(c));
                BufferedImage image;
                try (InputStream in = ClassifyCommand.class.getResourceAsStream(SAMPLES + file)) {
                    if (in == null) {
                        throw new IOException("sample image " + SAMPLES + file + " is missing from the jar");
                    }
                    image = ImageIO.read(in);
                }
                float[] logits = session.run(model.preprocessing().apply(image,
                        model.config().inputLayout() == Layout.NHWC ? PixelLayout.HWC : PixelLayout.CHW));
                Prediction best = Predictions.topK(logits, 0, logits.length, 1, model.labels()).getFirst();
                boolean right = best.classIndex() == c;
                correct += right ? 1 : 0;
                out.printf(Locale.ROOT, "  %-22s -> %-12s %5.1f%%  %s%n", file, best.label(), best.probability() * 100,
                        right ? "right" : "WRONG (is " + names.get(c) + ")");
            }
        }
        out.printf(Locale.ROOT, "  %d of %d right%n", correct, names.size());
    }

    /** {@code 0-t-shirt-top.png} for class 0, "T-shirt/top". */
    static String sampleName(int classIndex, String label) {
        return classIndex + "-" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "")
                + ".png";
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
