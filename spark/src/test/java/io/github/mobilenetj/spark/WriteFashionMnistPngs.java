package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.LabelledImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Writes the Fashion-MNIST test images as 8-bit grayscale PNGs (00000.png ... 09999.png), for measure.sh. Run as a
 * source file with the library on the class path: {@code java -cp mobilenetj.jar WriteFashionMnistPngs.java DATASET-DIR OUT-DIR}.
 */
public final class WriteFashionMnistPngs {
    private WriteFashionMnistPngs() {
    }

    public static void main(String[] args) throws Exception {
        LabelledImages images = LabelledImages.fashionMnistTest(Path.of(args[0]), Integer.MAX_VALUE);
        Path dir = Files.createDirectories(Path.of(args[1]));
        for (int i = 0; i < images.size(); i++) {
            ImageIO.write(images.image(i), "png", dir.resolve(String.format(Locale.ROOT, "%05d.png", i)).toFile());
        }
    }
}
