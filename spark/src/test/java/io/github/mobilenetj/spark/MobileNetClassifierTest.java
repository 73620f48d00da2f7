package io.github.mobilenetj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer as a Spark ML stage: params, schema, persistence, pipelines, bad rows, weights. */
class MobileNetClassifierTest {

    @TempDir
    static Path temp;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.start();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void paramsHaveDefaultsSettersAndCopies() {
        MobileNetClassifier c = new MobileNetClassifier();
        assertEquals("", c.getWeights());
        assertEquals("content", c.getInputCol());
        assertEquals(List.of("label", "classIndex", "probability", "topK", "error"),
                List.of(c.getLabelCol(), c.getClassIndexCol(), c.getProbabilityCol(), c.getTopKCol(), c.getErrorCol()));
        assertEquals(5, c.getTopK());
        assertEquals(32, c.getBatchSize());
        assertEquals(0, c.getThreadsPerTask());
        assertEquals("fp32", c.getPrecision());
        List<String> names = Arrays.stream(c.params()).map(p -> p.name()).toList();
        assertEquals(List.of("batchSize", "classIndexCol", "errorCol", "inputCol", "labelCol", "precision", "probabilityCol",
                "threadsPerTask", "topK", "topKCol", "weights"), names);
        assertTrue(c.explainParams().contains("topK: how many classes the topK column lists"), c.explainParams());

        MobileNetClassifier copy = c.copy(new ParamMap().put(c.topK().w(3)));
        assertEquals(3, copy.getTopK());
        assertEquals(5, c.getTopK());
        assertEquals(c.uid(), copy.uid());

        assertThrows(IllegalArgumentException.class, () -> c.setTopK(0));
        assertThrows(IllegalArgumentException.class, () -> c.setBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> c.setBatchSize(1025));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.setPrecision("int4"));
        assertTrue(e.getMessage().contains("precision"), e.getMessage());
    }

    @Test
    void schemaGetsThePredictionColumnsAndBadInputsAreNamed() {
        StructType files = new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType);
        StructType out = new MobileNetClassifier().transformSchema(files);
        assertEquals("struct<path:string,content:binary,label:string,classIndex:int,probability:float,"
                + "topK:array<struct<classIndex:int,label:string,probability:float>>,error:string>", out.simpleString());

        StructType ints = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.IntegerType));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MobileNetClassifier().setInputCol("pixels").transformSchema(ints));
        assertEquals("input column 'pixels' has type array<int>; expected binary (encoded images), array<float> or"
                + " array<double> (input tensors)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MobileNetClassifier().transformSchema(ints));
        assertEquals("input column 'content' does not exist (columns: pixels)", e.getMessage());
        StructType taken = files.add("label", DataTypes.StringType);
        e = assertThrows(IllegalArgumentException.class, () -> new MobileNetClassifier().transformSchema(taken));
        assertTrue(e.getMessage().startsWith("output column 'label' already exists"), e.getMessage());
        assertNotNull(new MobileNetClassifier().setLabelCol("predicted").transformSchema(taken));
    }

    /** Encoded images through a saved and reloaded pipeline give the single-JVM session's top-k. */
    @Test
    void savedPipelineClassifiesImagesAsTheSingleJvmSession() throws IOException {
        List<BufferedImage> images = ClassifierTestData.images(40, 7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            rows.add(RowFactory.create("image-" + i, ClassifierTestData.png(images.get(i))));
        }
        StructType schema = new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType);
        Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(3);

        MobileNetClassifier classifier = new MobileNetClassifier().setTopK(3).setBatchSize(8);
        classifier.write().overwrite().save(temp.resolve("classifier").toString());
        MobileNetClassifier loaded = MobileNetClassifier.load(temp.resolve("classifier").toString());
        assertEquals(classifier.uid(), loaded.uid());
        assertEquals(3, loaded.getTopK());
        assertEquals(8, loaded.getBatchSize());

        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {loaded}).fit(input);
        fitted.write().overwrite().save(temp.resolve("pipeline").toString());
        PipelineModel pipeline = PipelineModel.load(temp.resolve("pipeline").toString());
        List<Row> out = pipeline.transform(input).select("path", "label", "classIndex", "probability", "topK", "error")
                .collectAsList();

        assertEquals(images.size(), out.size());
        int distinct = 0;
        boolean[] seen = new boolean[10];
        try (MobileNetV1 model = MobileNetV1.fashionMnist(); Session session = model.newSession()) {
            for (Row row : out) {
                int i = Integer.parseInt(row.getString(0).substring("image-".length()));
                List<Prediction> expected = session.classify(images.get(i), 3);
                assertNull(row.get(5));
                assertEquals(expected.getFirst().label(), row.getString(1), row.getString(0));
                assertEquals(expected.getFirst().classIndex(), row.getInt(2), row.getString(0));
                assertEquals(expected.getFirst().probability(), row.getFloat(3), 1e-5f, row.getString(0));
                List<Row> top = row.getList(4);
                assertEquals(3, top.size());
                for (int k = 0; k < 3; k++) {
                    assertEquals(expected.get(k).classIndex(), top.get(k).getInt(0), row.getString(0) + " top " + k);
                    assertEquals(expected.get(k).label(), top.get(k).getString(1));
                    assertEquals(expected.get(k).probability(), top.get(k).getFloat(2), 1e-5f);
                }
                distinct += seen[row.getInt(2)] ? 0 : 1;
                seen[row.getInt(2)] = true;
            }
        }
        assertTrue(distinct >= 2, "the synthetic images all got one class; the comparison would prove little");
    }

    /** Unusable rows get an error naming the problem; the others in the same batch are classified; the job goes on. */
    @Test
    void badRowsGetAnErrorAndTheRestAreClassified() {
        Dataset<Row> good = ClassifierTestData.tensors(spark, 3, 11);
        List<Row> goodRows = good.collectAsList();
        float[] nan = toFloats(goodRows.get(1).getList(1));
        nan[100] = Float.NaN;
        List<Row> rows = List.of(
                RowFactory.create(0, toFloats(goodRows.get(0).getList(1))),
                RowFactory.create(1, new float[] {1, 2, 3, 4, 5}),
                RowFactory.create(2, nan),
                RowFactory.create(3, (Object) null),
                RowFactory.create(4, toFloats(goodRows.get(2).getList(1))));
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType, false)
                .add("tensor", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        List<Row> out = new MobileNetClassifier().setInputCol("tensor").setBatchSize(4)
                .transform(spark.createDataFrame(rows, schema).coalesce(1))
                .orderBy("id").select("id", "classIndex", "error").collectAsList();
        List<Row> reference = new MobileNetClassifier().setInputCol("tensor").transform(good).orderBy("id")
                .select("classIndex").collectAsList();

        assertEquals(5, out.size());
        assertNull(out.get(0).get(2));
        assertEquals(reference.get(0).getInt(0), out.get(0).getInt(1));
        assertEquals("IllegalArgumentException: the input tensor has 5 values; the model takes 1 x 64 x 64 = 4096"
                + " (channels x height x width, CHW)", out.get(1).getString(2));
        assertEquals("IllegalArgumentException: the input tensor has NaN at index 100", out.get(2).getString(2));
        assertEquals("IllegalArgumentException: the input column is null", out.get(3).getString(2));
        for (int i = 1; i <= 3; i++) {
            assertNull(out.get(i).get(1), "row " + i);
        }
        assertNull(out.get(4).get(2));
        assertEquals(reference.get(2).getInt(0), out.get(4).getInt(1));
    }

    @Test
    void doubleTensorsAreClassifiedLikeFloats() {
        Dataset<Row> floats = ClassifierTestData.tensors(spark, 6, 5);
        Dataset<Row> doubles = floats.selectExpr("id", "cast(tensor as array<double>) as tensor");
        MobileNetClassifier c = new MobileNetClassifier().setInputCol("tensor");
        List<Row> a = c.transform(floats).orderBy("id").select("classIndex", "probability").collectAsList();
        List<Row> b = c.transform(doubles).orderBy("id").select("classIndex", "probability").collectAsList();
        assertEquals(a, b);
    }

    @Test
    void missingWeightsFailTheJobNamingTheFile() {
        Dataset<Row> input = ClassifierTestData.tensors(spark, 2, 1);
        MobileNetClassifier c = new MobileNetClassifier().setInputCol("tensor").setWeights("/nonexistent/w.safetensors");
        SparkException e = assertThrows(SparkException.class, () -> c.transform(input).collectAsList());
        assertTrue(e.getMessage().contains("weights file /nonexistent/w.safetensors not found on executor driver"),
                e.getMessage());
    }

    /** A weights file shipped with SparkContext.addFile (spark-submit --files) is found by its name on the executor. */
    @Test
    void weightsShippedWithAddFileAreLoadedOnTheExecutor() throws IOException {
        Path file = temp.resolve("shipped-fashion-mnist.safetensors");
        try (InputStream in = MobileNetV1.class.getResourceAsStream(
                "/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.safetensors")) {
            Files.copy(in, file);
        }
        spark.sparkContext().addFile(file.toString());
        Dataset<Row> input = ClassifierTestData.tensors(spark, 12, 3);
        MobileNetClassifier shipped = new MobileNetClassifier().setInputCol("tensor")
                .setWeights("shipped-fashion-mnist.safetensors");
        assertTrue(Files.notExists(Path.of("shipped-fashion-mnist.safetensors")));

        List<Row> a = shipped.transform(input).orderBy("id").select("classIndex", "probability", "error").collectAsList();
        List<Row> b = new MobileNetClassifier().setInputCol("tensor").transform(input).orderBy("id")
                .select("classIndex", "probability", "error").collectAsList();

        assertEquals(b, a);
        assertEquals(1, shipped.modelLoads().size(), shipped.modelLoads().toString());
        String load = shipped.modelLoads().getFirst();
        assertTrue(load.startsWith("executor driver: ") && load.contains("shipped-fashion-mnist.safetensors")
                && !load.contains(temp.toString()), load);
        assertNotEquals(file.toString(), Weights.resolve("shipped-fashion-mnist.safetensors"));
    }

    private static float[] toFloats(List<Object> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) values.get(i)).floatValue();
        }
        return f;
    }
}
