package io.github.mobilenetj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.model.Evaluation;
import io.github.mobilenetj.model.LabelledImages;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 10,000 Fashion-MNIST test images through Spark (local[2]) give exactly the predictions of
 * the single-JVM evaluation ({@code mobilenetj evaluate}: {@link Evaluation#run}) and its 93.23 %
 * accuracy: as PNG files through the runnable job into Parquet, and as a tensor column through the
 * transformer. One model load for the executor; a corrupt file gives a row with an error.
 */
class FashionMnistOnSparkTest {

    private static final int BATCH = 32;
    private static final int CLASSES = 10;
    private static final String[] NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot"};

    @TempDir
    static Path temp;
    static SparkSession spark;
    static LabelledImages images;
    /** The single-JVM reference: the library's evaluation, batch 32, one thread. */
    static Evaluation reference;
    static List<float[]> tensors;

    @BeforeAll
    static void setUp() throws IOException {
        images = TestSpark.fashionMnistTest(Integer.MAX_VALUE);
        try (MobileNetV1 model = MobileNetV1.builder().threads(1).maxBatchSize(BATCH).fashionMnist()) {
            reference = Evaluation.run(model, images, BATCH, 1);
            tensors = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                tensors.add(model.preprocess(images.image(i)));
            }
        }
        assertEquals(10_000, reference.size());
        assertEquals(9323, reference.correct(), "the single-JVM evaluation itself");
        spark = TestSpark.start();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void pngFilesThroughTheJobGiveTheSingleJvmPredictionsInParquet() throws IOException {
        Path input = Files.createDirectories(temp.resolve("png"));
        for (int i = 0; i < images.size(); i++) {
            // 8-bit grayscale PNGs: lossless, so the decoded pixels are the IDX file's bytes.
            ImageIO.write(images.image(i), "png", input.resolve(String.format(Locale.ROOT, "%05d.png", i)).toFile());
        }
        byte[] png = Files.readAllBytes(input.resolve("00000.png"));
        Files.write(input.resolve("corrupt.png"), java.util.Arrays.copyOf(png, png.length / 2)); // truncated
        Files.writeString(input.resolve("notes.txt"), "not an image");
        Path output = temp.resolve("predictions.parquet");

        ExecutorModels.closeAll(); // a cold executor: no model loaded yet
        int loadsBefore = ExecutorModels.loads();
        int sessionsBefore = ExecutorModels.sessionsOpened();
        ClassifyJob.Summary summary = ClassifyJob.run(spark, Map.of("input", input.toString(), "output", output.toString()));
        System.out.printf(Locale.ROOT, "job: %d files in %.2f s (%.0f images/s); single JVM: %.2f s (%.0f images/s)%n",
                summary.rows(), summary.seconds(), summary.rows() / summary.seconds(), reference.totalSeconds(),
                reference.size() / reference.totalSeconds());

        assertEquals(1, ExecutorModels.loads() - loadsBefore, "model loads in this executor");
        assertEquals(List.of("driver"), List.copyOf(summary.executors()), summary.modelLoads().toString());
        assertEquals(1, summary.modelLoads().size(), summary.modelLoads().toString());
        int sessions = ExecutorModels.sessionsOpened() - sessionsBefore;
        assertTrue(sessions >= 1 && sessions <= 2, "one session per running task, 2 task slots: " + sessions);
        assertEquals(10_002, summary.rows());
        assertEquals(2, summary.errors());

        Dataset<Row> written = spark.read().parquet(output.toString());
        StructType prediction = new StructType()
                .add("classIndex", DataTypes.IntegerType, true)
                .add("label", DataTypes.StringType, true)
                .add("probability", DataTypes.FloatType, true);
        StructType expected = new StructType()
                .add("path", DataTypes.StringType, true)
                .add("label", DataTypes.StringType, true)
                .add("classIndex", DataTypes.IntegerType, true)
                .add("probability", DataTypes.FloatType, true)
                .add("topK", DataTypes.createArrayType(prediction, true), true)
                .add("error", DataTypes.StringType, true);
        assertEquals(expected.treeString(), written.schema().treeString()); // Parquet reads every field back as nullable

        Map<String, Row> byFile = new HashMap<>();
        for (Row row : written.collectAsList()) {
            String path = row.getString(0);
            byFile.put(path.substring(path.lastIndexOf('/') + 1), row);
        }
        assertEquals(10_002, byFile.size());
        int correct = 0;
        for (int i = 0; i < images.size(); i++) {
            Row row = byFile.get(String.format(Locale.ROOT, "%05d.png", i));
            assertNotNull(row, "image " + i);
            assertNull(row.get(5), "image " + i);
            int predicted = row.getInt(2);
            assertEquals(reference.predicted()[i], predicted, "image " + i);
            assertEquals(NAMES[predicted], row.getString(1), "image " + i);
            assertEquals(softmax(reference.logits(), i)[predicted], row.getFloat(3), 1e-5, "image " + i);
            checkTopK(row.getList(4), reference.logits(), i);
            correct += predicted == images.label(i) ? 1 : 0;
        }
        assertEquals(9323, correct);
        assertEquals("93.23", String.format(Locale.ROOT, "%.2f", 100.0 * correct / images.size()));

        Row corrupt = byFile.get("corrupt.png");
        assertTrue(corrupt.getString(5).contains("PNG"), corrupt.getString(5));
        assertTrue(corrupt.getString(5).matches(".*(corrupt|truncated).*"), corrupt.getString(5));
        for (int column = 1; column <= 4; column++) {
            assertNull(corrupt.get(column), "corrupt.png column " + column);
        }
        Row text = byFile.get("notes.txt");
        assertTrue(text.getString(5).contains("not an image in a supported format"), text.getString(5));
    }

    @Test
    void tensorColumnGivesTheSingleJvmPredictions() {
        StructType schema = new StructType()
                .add("index", DataTypes.IntegerType, false)
                .add("tensor", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        // Six partitions of about 1,667 rows, made on the executor threads from the tensors the driver computed (one JVM
        // in local mode): shipping 40 MB of floats inside the tasks would measure Java serialization instead.
        Dataset<Row> input = spark.range(0, images.size(), 1, 6)
                .map((MapFunction<Long, Row>) i -> RowFactory.create(i.intValue(), tensors.get(i.intValue())),
                        Encoders.row(schema));
        MobileNetClassifier classifier = new MobileNetClassifier().setInputCol("tensor").setTopK(3);

        List<Row> out = classifier.transform(input).select("index", "classIndex", "label", "probability", "topK", "error")
                .collectAsList();

        assertEquals(images.size(), out.size());
        int correct = 0;
        for (Row row : out) {
            int i = row.getInt(0);
            assertNull(row.get(5), "image " + i);
            int predicted = row.getInt(1);
            assertEquals(reference.predicted()[i], predicted, "image " + i);
            assertEquals(NAMES[predicted], row.getString(2));
            assertEquals(softmax(reference.logits(), i)[predicted], row.getFloat(3), 1e-5, "image " + i);
            List<Row> top = row.getList(4);
            assertEquals(3, top.size());
            checkTopK(top, reference.logits(), i);
            correct += predicted == images.label(i) ? 1 : 0;
        }
        assertEquals(9323, correct);
    }

    /**
     * The bundled model's INT8 version through the transformer: the single-JVM INT8 predictions on every image (the
     * INT8 model's own accuracy against FP32 is the library's PrecisionAccuracyTest).
     */
    @Test
    void int8GivesTheSingleJvmInt8Predictions() {
        Evaluation int8;
        try (MobileNetV1 model = MobileNetV1.builder().threads(1).maxBatchSize(BATCH).precision(Precision.INT8)
                .fashionMnist()) {
            int8 = Evaluation.run(model, images, BATCH, 1);
        }
        StructType schema = new StructType()
                .add("index", DataTypes.IntegerType, false)
                .add("tensor", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        Dataset<Row> input = spark.range(0, images.size(), 1, 6)
                .map((MapFunction<Long, Row>) i -> RowFactory.create(i.intValue(), tensors.get(i.intValue())),
                        Encoders.row(schema));
        MobileNetClassifier classifier = new MobileNetClassifier().setInputCol("tensor").setPrecision("int8");
        List<Row> out = classifier.transform(input).select("index", "classIndex", "error").collectAsList();
        assertEquals(images.size(), out.size());
        for (Row row : out) {
            int i = row.getInt(0);
            assertNull(row.get(2), "image " + i);
            assertEquals(int8.predicted()[i], row.getInt(1), "image " + i);
        }
        assertTrue(Math.abs(int8.correct() - reference.correct()) <= 30, "INT8 " + int8.correct() + " vs FP32 "
                + reference.correct() + " (the contract: within 0.3 pp)");
    }

    /** Softmax of image {@code i}'s logits, in double, written out here rather than taken from the library. */
    static double[] softmax(float[] logits, int i) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            max = Math.max(max, logits[i * CLASSES + c]);
        }
        double[] p = new double[CLASSES];
        double sum = 0;
        for (int c = 0; c < CLASSES; c++) {
            p[c] = Math.exp(logits[i * CLASSES + c] - max);
            sum += p[c];
        }
        for (int c = 0; c < CLASSES; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** The top-k structs: probabilities non-increasing and equal to the reference's softmax, labels matching indices. */
    static void checkTopK(List<Row> top, float[] logits, int i) {
        double[] p = softmax(logits, i);
        double previous = 1.0;
        for (Row entry : top) {
            int c = entry.getInt(0);
            assertEquals(NAMES[c], entry.getString(1), "image " + i);
            float probability = entry.getFloat(2);
            assertEquals(p[c], probability, 1e-5, "image " + i + " class " + c);
            assertTrue(probability <= previous + 1e-6, "image " + i + ": top-k not in decreasing order");
            previous = probability;
        }
        // Nothing left out is more probable than the last one listed (up to float noise).
        Row last = top.getLast();
        for (int c = 0; c < CLASSES; c++) {
            int index = c;
            boolean listed = top.stream().anyMatch(r -> r.getInt(0) == index);
            if (!listed) {
                assertTrue(p[c] <= last.getFloat(2) + 1e-5, "image " + i + ": class " + c + " missing from top-k");
            }
        }
    }
}
