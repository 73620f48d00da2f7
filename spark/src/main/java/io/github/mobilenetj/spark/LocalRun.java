package io.github.mobilenetj.spark;

/**
 * Settings for a run started with {@code java -jar mobilenetj-spark-local.jar} rather than by
 * Spark's launcher. The jar's manifest gives the JVM Spark's {@code Add-Opens} list and
 * {@code Enable-Native-Access}; the system properties of Spark's {@code JavaModuleOptions} cannot
 * go in a manifest, so they are set here, before any Spark class starts Netty.
 */
final class LocalRun {
    private LocalRun() {
    }

    static void prepare() {
        setIfAbsent("io.netty.tryReflectionSetAccessible", "true");
        setIfAbsent("io.netty.allocator.type", "pooled");
        setIfAbsent("io.netty.handler.ssl.defaultEndpointVerificationAlgorithm", "NONE");
        // Spark's INFO lines would bury the job's report; WARN and above still show.
        setIfAbsent("log4j2.configurationFile", "io/github/mobilenetj/spark/log4j2-local.properties");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
