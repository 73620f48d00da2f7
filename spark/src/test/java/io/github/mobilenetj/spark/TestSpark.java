package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.LabelledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;

/** The tests' Spark: local[2] (two task slots, as on this 2-core machine), with the plugin that frees the models. */
final class TestSpark {
    static final Path FASHION_MNIST = Path.of(System.getProperty("fashion.mnist.dir", "/usr/share/datasets/fashion-mnist"));

    private TestSpark() {
    }

    static SparkSession start() {
        return SparkSession.builder()
                .master("local[2]")
                .appName("mobilenetj-spark-test")
                .config("spark.plugins", MobileNetPlugin.class.getName())
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    /** The Fashion-MNIST test set (Debian's dataset-fashion-mnist); the test is skipped without it. */
    static LabelledImages fashionMnistTest(int limit) throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(FASHION_MNIST),
                FASHION_MNIST + " not found (apt-get install dataset-fashion-mnist)");
        return LabelledImages.fashionMnistTest(FASHION_MNIST, limit);
    }
}
