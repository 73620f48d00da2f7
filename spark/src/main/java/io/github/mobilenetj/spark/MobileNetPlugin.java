package io.github.mobilenetj.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Frees the executor's models when Spark stops the executor: {@code --conf
 * spark.plugins=io.github.mobilenetj.spark.MobileNetPlugin} ({@link ClassifyJob} adds it itself).
 *
 * <p>Spark calls {@link ExecutorPlugin#shutdown()} from {@code Executor.stop()}, after the task
 * threads are stopped and before the executor's JVM exits or, in local mode, when the
 * {@code SparkContext} stops while the JVM goes on (a notebook, a test, a service running several
 * jobs). A JVM shutdown hook would miss that second case and run in no defined order with Spark's
 * own shutdown hooks; this runs exactly once per executor, at the right time.
 */
public final class MobileNetPlugin implements SparkPlugin {

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext context, Map<String, String> extraConf) {
                // Models are loaded lazily by the first task that needs one (ExecutorModels).
            }

            @Override
            public void shutdown() {
                ExecutorModels.closeAll();
            }
        };
    }
}
