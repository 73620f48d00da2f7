package example.consumer;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.NativeRuntime;
import io.github.mobilenetj.model.Session;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Classifies a Fashion-MNIST test image (a trouser) with the library's bundled model, through the
 * exported API only; prints how it ran (class path or module path, which natives) and exits 1 if
 * the answer is wrong.
 */
public final class Classify {

    private Classify() {
    }

    public static void main(String[] args) throws IOException {
        BufferedImage image;
        try (InputStream in = Classify.class.getResourceAsStream("trouser.png")) {
            image = ImageFiles.decode(in.readAllBytes());
        }
        NativeRuntime runtime = NativeRuntime.load();
        try (MobileNetV1 model = MobileNetV1.builder().threads(1).fashionMnist();
                Session session = model.newSession()) {
            List<Prediction> top = session.classify(image, 3);
            Module module = MobileNetV1.class.getModule();
            System.out.println("consumer: mobilenetj " + (module.isNamed() ? "module " + module.getName() : "on the class path")
                    + ", consumer " + (Classify.class.getModule().isNamed() ? "module" : "class path")
                    + ", oneDNN " + runtime.oneDnnVersion() + " from " + runtime.library());
            System.out.println("consumer: top 3 " + top);
            if (!top.getFirst().label().equals("Trouser")) {
                System.err.println("consumer: expected Trouser, got " + top.getFirst());
                System.exit(1);
            }
        }
    }
}
