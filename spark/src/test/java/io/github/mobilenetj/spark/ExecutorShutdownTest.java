package io.github.mobilenetj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.model.MobileNetV1;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** MobileNetPlugin frees the executor's models (their native memory) when Spark stops the executor. */
class ExecutorShutdownTest {

    @Test
    void stoppingSparkClosesTheExecutorsModels() {
        ExecutorModels.closeAll();
        SparkSession spark = TestSpark.start();
        List<MobileNetV1> open;
        try {
            Dataset<Row> images = ClassifierTestData.tensors(spark, 8, 1);
            assertEquals(8, new MobileNetClassifier().setInputCol("tensor").transform(images).count());
            open = ExecutorModels.openModels();
            assertEquals(1, open.size(), open.toString());
            assertFalse(open.getFirst().isClosed());
        } finally {
            spark.stop(); // stops the (local) executor: ExecutorPlugin.shutdown
        }
        assertTrue(open.getFirst().isClosed(), "the model is closed once the executor has stopped");
        assertEquals(List.of(), ExecutorModels.openModels());
    }
}
