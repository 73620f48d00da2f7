package io.github.mobilenetj.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/** Where an executor finds the weights file the {@code weights} param names. */
final class Weights {
    private Weights() {
    }

    /**
     * The absolute path of the weights on this executor: {@code name} itself when it is a readable
     * file here (a path every executor can see), else the copy Spark fetched of a file added with
     * {@code spark-submit --files} or {@code SparkContext.addFile} under that file name. {@code ""}
     * (the bundled model) stays {@code ""}.
     *
     * @throws IllegalArgumentException naming the file and both places looked in
     */
    static String resolve(String name) {
        if (name.isEmpty()) {
            return "";
        }
        Path path = Path.of(name);
        if (Files.isRegularFile(path) && Files.isReadable(path)) {
            return path.toAbsolutePath().normalize().toString();
        }
        String fileName = path.getFileName() == null ? name : path.getFileName().toString();
        String shipped = null;
        try {
            shipped = SparkFiles.get(fileName);
        } catch (RuntimeException e) {
            // no SparkEnv: not inside Spark
        }
        if (shipped != null && Files.isRegularFile(Path.of(shipped))) {
            return Path.of(shipped).toAbsolutePath().normalize().toString();
        }
        String executor = SparkEnv.get() != null ? SparkEnv.get().executorId() : "?";
        throw new IllegalArgumentException("weights file " + name + " not found on executor " + executor
                + ": it is neither a readable file there nor a file shipped with --files / SparkContext.addFile"
                + (shipped != null ? " (looked for " + shipped + ")" : ""));
    }
}
