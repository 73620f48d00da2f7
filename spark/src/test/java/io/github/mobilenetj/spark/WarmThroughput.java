package io.github.mobilenetj.spark;

import com.sun.management.OperatingSystemMXBean;
import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Spark's steady-state overhead, in one JVM with the JIT warm: the PNG files of a directory classified (1) by a plain
 * loop (read, ImageFiles.decode, the model's preprocessing, Session.run in batches of 32, one thread) and (2) by the
 * transformer in a local[2] SparkSession (binaryFile source, 2 tasks x 1 thread, batches of 32, output discarded by
 * the noop sink), plus (3) Spark reading the files alone. Round by round: wall and process CPU seconds; round 1
 * includes the warm-up. Run by measure.sh:
 * {@code java [Spark's options] -cp 'mobilenetj-spark.jar:spark-lib/*' WarmThroughput.java DIR}
 */
public final class WarmThroughput {
    private static final int BATCH = 32;

    private WarmThroughput() {
    }

    private static double cpuSeconds() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        SparkSession spark = SparkSession.builder().master("local[2]")
                .config("spark.plugins", MobileNetPlugin.class.getName())
                .config(ClassifyJob.OPEN_COST, ClassifyJob.DEFAULT_OPEN_COST)
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        for (int round = 1; round <= 3; round++) {
            double c0 = cpuSeconds();
            long t0 = System.nanoTime();
            try (MobileNetV1 model = MobileNetV1.builder().threads(1).maxBatchSize(BATCH).fashionMnist();
                    Session session = model.newSession()) {
                int size = model.config().imageSize();
                int classes = model.config().classes();
                float[] input = new float[BATCH * size];
                float[] logits = new float[BATCH * classes];
                for (int first = 0; first < files.size(); first += BATCH) {
                    int n = Math.min(BATCH, files.size() - first);
                    for (int i = 0; i < n; i++) {
                        model.preprocessing().apply(ImageFiles.decode(Files.readAllBytes(files.get(first + i))),
                                model.config().inputLayout(), input, i * size);
                    }
                    session.run(MemorySegment.ofArray(input).asSlice(0, 4L * n * size),
                            MemorySegment.ofArray(logits).asSlice(0, 4L * n * classes));
                }
            }
            double c1 = cpuSeconds();
            long t1 = System.nanoTime();
            Dataset<Row> images = spark.read().format("binaryFile").load(dir.toString());
            images.select(functions.sum(functions.length(functions.col("content")))).first();
            double c2 = cpuSeconds();
            long t2 = System.nanoTime();
            new MobileNetClassifier().transform(images).write().format("noop").mode("overwrite").save();
            double c3 = cpuSeconds();
            long t3 = System.nanoTime();
            int n = files.size();
            System.out.printf(Locale.ROOT, "round %d: single JVM loop, 1 thread: %.2f s, cpu %.2f s (%.0f images/s)"
                            + " | Spark local[2] classify: %.2f s, cpu %.2f s (%.0f images/s) | Spark read only: %.2f s,"
                            + " cpu %.2f s%n", round, (t1 - t0) / 1e9, c1 - c0, n / ((t1 - t0) / 1e9), (t3 - t2) / 1e9,
                    c3 - c2, n / ((t3 - t2) / 1e9), (t2 - t1) / 1e9, c2 - c1);
        }
        spark.stop();
    }
}
