package io.github.mobilenetj.spark;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The batch job: classifies every file under a directory (Spark's {@code binaryFile} source,
 * recursively) and writes Parquet with {@code path, label, classIndex, probability, topK, error}.
 *
 * <pre>
 * spark-submit --class io.github.mobilenetj.spark.ClassifyJob mobilenetj-spark.jar --input DIR --output DIR [--weights F]
 * java -jar mobilenetj-spark-local.jar --input DIR --output DIR [--weights F]          (local[*], no Spark installation)
 * </pre>
 *
 * Under spark-submit the master and every other setting come from Spark's configuration; started
 * directly it runs in {@code local[*]} (or {@code --master}). It adds {@link MobileNetPlugin} to
 * {@code spark.plugins} so that executors free their models when they stop.
 */
public final class ClassifyJob {

    static final String USAGE = """
            usage: ClassifyJob --input DIR --output DIR [options]
              --input DIR        images to classify (every file under DIR, recursively; any Hadoop file system URI)
              --output DIR       Parquet output: path, label, classIndex, probability, topK, error
              --weights FILE     safetensors weights: a path every executor can read, or a local file that is then
                                 shipped to the executors (SparkContext.addFile); default: the bundled Fashion-MNIST model
              --top K            classes in the topK column (default 5)
              --batch N          images per inference call within a partition (default 32)
              --threads T        OpenMP threads per task (default: spark.task.cpus)
              --precision P      fp32 (default), bf16, or int8 (a quantized file from mobilenetj quantize,
                                 or the bundled model's INT8 version)
              --glob PATTERN     only files whose name matches, e.g. '*.{png,jpg}' (default: every file)
              --overwrite        replace the output directory if it exists
              --master URL       when started without spark-submit (default local[*])
            """;

    /**
     * Spark packs files into tasks by size, counting each file as its length plus this many bytes
     * (default 4 MB: 32 files per 128 MB task). Classifying an image costs about the same whatever
     * its size, and a task has a fixed cost (scheduling, and one Parquet file written per task),
     * so the job counts 128 KB per file: up to about 1,000 small images per task, fewer large ones.
     * Set it with {@code --conf spark.sql.files.openCostInBytes=...} to override.
     */
    static final String OPEN_COST = "spark.sql.files.openCostInBytes";
    static final String DEFAULT_OPEN_COST = "128k";

    private ClassifyJob() {
    }

    /** What a run did. */
    record Summary(long rows, long errors, double seconds, List<String> modelLoads) {
        long images() {
            return rows - errors;
        }

        Set<String> executors() {
            Set<String> ids = new TreeSet<>();
            for (String load : modelLoads) { // "executor ID: model"
                ids.add(load.substring(load.indexOf(' ') + 1, load.indexOf(':')));
            }
            return ids;
        }
    }

    public static void main(String[] args) {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mobilenetj-spark: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        // spark-submit passes its configuration as system properties, spark.master among them.
        boolean submitted = System.getProperty("spark.master") != null;
        if (!submitted) {
            LocalRun.prepare();
        }
        SparkSession.Builder builder = SparkSession.builder().appName("mobilenetj-classify");
        if (!submitted) {
            builder.master(options.getOrDefault("master", "local[*]"));
        }
        String plugins = System.getProperty("spark.plugins", "");
        if (!plugins.contains(MobileNetPlugin.class.getName())) {
            builder.config("spark.plugins", plugins.isBlank() ? MobileNetPlugin.class.getName()
                    : plugins + "," + MobileNetPlugin.class.getName());
        }
        int code = 0;
        SparkSession spark = builder.getOrCreate();
        try {
            if (!submitted) {
                spark.sparkContext().setLogLevel("WARN");
            }
            Summary s = run(spark, options);
            report(s, options, spark, System.out);
        } catch (RuntimeException e) {
            System.err.println("mobilenetj-spark: failed: " + rootMessage(e));
            e.printStackTrace();
            code = 1;
        } finally {
            spark.stop();
        }
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the job on {@code spark}: reads, classifies, writes; then counts the rows and errors written. */
    static Summary run(SparkSession spark, Map<String, String> options) {
        String input = required(options, "input");
        String output = required(options, "output");
        MobileNetClassifier classifier = new MobileNetClassifier()
                .setInputCol("content")
                .setTopK(intOption(options, "top", 5))
                .setBatchSize(intOption(options, "batch", 32))
                .setThreadsPerTask(intOption(options, "threads", 0))
                .setPrecision(options.getOrDefault("precision", "fp32").toLowerCase(Locale.ROOT));
        if (options.containsKey("weights")) {
            String weights = options.get("weights");
            if (!spark.sparkContext().isLocal() || !Files.isRegularFile(Path.of(weights))) {
                // Executors that cannot read the path (another host, or a hdfs:// / s3a:// URI) load the copy Spark
                // fetches for them, found by file name (Weights.resolve).
                spark.sparkContext().addFile(weights);
            }
            classifier.setWeights(weights);
        }
        if (!spark.conf().contains(OPEN_COST)) {
            spark.conf().set(OPEN_COST, DEFAULT_OPEN_COST);
        }
        var reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
        if (options.containsKey("glob")) {
            reader = reader.option("pathGlobFilter", options.get("glob"));
        }
        Dataset<Row> files = reader.load(input);
        Dataset<Row> classified = classifier.transform(files)
                .select("path", "label", "classIndex", "probability", "topK", "error");
        long start = System.nanoTime();
        classified.write().mode(options.containsKey("overwrite") ? "overwrite" : "errorifexists").parquet(output);
        double seconds = (System.nanoTime() - start) / 1e9;
        Dataset<Row> written = spark.read().parquet(output);
        long rows = written.count();
        long errors = written.filter(functions.col("error").isNotNull()).count();
        return new Summary(rows, errors, seconds, classifier.modelLoads());
    }

    private static void report(Summary s, Map<String, String> options, SparkSession spark, PrintStream out) {
        out.printf(Locale.ROOT, "mobilenetj-spark: classified %d file(s) from %s into %s in %.1f s (%.1f images/s,"
                        + " master %s): %d labelled, %d with an error%n", s.rows(), options.get("input"),
                options.get("output"), s.seconds(), s.rows() / s.seconds(), spark.sparkContext().master(), s.images(),
                s.errors());
        out.printf(Locale.ROOT, "mobilenetj-spark: the model was loaded %d time(s) on %d executor(s)%n",
                s.modelLoads().size(), s.executors().size());
        for (String load : s.modelLoads()) {
            out.println("  " + load);
        }
    }

    static Map<String, String> parse(String[] args) {
        Set<String> valued = Set.of("input", "output", "weights", "top", "batch", "threads", "precision", "glob", "master");
        Set<String> flags = Set.of("overwrite", "help");
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h")) {
                arg = "--help";
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new IllegalArgumentException("--" + name + " takes no value");
                }
                options.put(name, "true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                options.put(name, value);
            } else {
                throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        if (!options.containsKey("help")) {
            List<String> missing = new ArrayList<>();
            for (String name : List.of("input", "output")) {
                if (!options.containsKey(name)) {
                    missing.add("--" + name);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("missing " + String.join(" and ", missing));
            }
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    private static int intOption(Map<String, String> options, String name, int fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (cause: " + t + ")";
    }
}
