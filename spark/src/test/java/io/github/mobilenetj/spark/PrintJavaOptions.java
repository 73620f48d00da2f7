package io.github.mobilenetj.spark;

import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Prints Spark's JVM options ({@code JavaModuleOptions}), for check.sh to start a standalone master
 * and worker as {@code bin/spark-class} would. Run as a source file: {@code java -cp 'spark-lib/*' PrintJavaOptions.java}.
 */
public final class PrintJavaOptions {
    private PrintJavaOptions() {
    }

    public static void main(String[] args) {
        System.out.println(JavaModuleOptions.defaultModuleOptions());
    }
}
