package io.github.mobilenetj.cli;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/** {@code mobilenetj classify IMAGE...}: the model's preprocessing, then the top-k classes of each image. */
final class ClassifyCommand {
    /** Where the bundled Fashion-MNIST sample images are on the class path. */
    static final String SAMPLES = "/io/github/mobilenetj/cli/samples/";

    private final PrintStream out;
    private final PrintStream err;

    ClassifyCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> args) throws IOException {
        Options o = new Options("classify", args,
                Set.of("weights", "alpha", "resolution", "classes", "top", "threads", "precision", "calibration", "samples", "method"), Set.of());
        if (o.positional().isEmpty()) {
            throw new UsageException("classify needs at least one image file");
        }
        int top = o.positiveInt("top", 5);
        int failed = 0;
        try (MobileNetV1 model = ModelSettings.build(o, 1, out, ModelSettings.Fallback.BUNDLED);
                Session session = model.newSession()) {
            for (String name : o.positional()) {
                try {
                    Path file = Path.of(name);
                    if (!Files.isRegularFile(file)) {
                        throw new IOException(Files.exists(file) ? "not a regular file" : "no such file");
                    }
                    print(session, Text.safe(name), ImageFiles.read(file), top);
                } catch (IOException | IllegalArgumentException e) {
                    failed++;
                    String message = e.getMessage() == null ? e.toString() : e.getMessage();
                    err.println("mobilenetj classify: " + Text.safe(message.startsWith(name) ? message : name + ": " + message));
                }
            }
        }
        if (failed > 0) {
            err.println("mobilenetj classify: " + failed + " of " + o.positional().size() + " image(s) could not be classified");
            return 1;
        }
        return 0;
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
                Prediction best = session.classify(image, 1).getFirst();
                boolean right = best.classIndex() == c;
                correct += right ? 1 : 0;
                out.printf(Locale.ROOT, "  %-22s -> %-12s %5.1f%%  %s%n", file, Text.safe(best.label()),
                        best.probability() * 100, right ? "right" : "WRONG (is " + Text.safe(names.get(c)) + ")");
            }
        }
        out.printf(Locale.ROOT, "  %d of %d right%n", correct, names.size());
    }

    /** {@code 0-t-shirt-top.png} for class 0, "T-shirt/top". */
    static String sampleName(int classIndex, String label) {
        return classIndex + "-" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "")
                + ".png";
    }

    private void print(Session session, String name, BufferedImage image, int top) {
        List<Prediction> predictions = session.classify(image, top);
        out.println(name + ":");
        for (Prediction p : predictions) {
            out.printf(Locale.ROOT, "  %5.1f%%  %4d  %s%n", p.probability() * 100, p.classIndex(), Text.safe(p.label()));
        }
    }
}
