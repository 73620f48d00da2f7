package io.github.mobilenetj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * The JVM options in pom.xml (Surefire's argLine, the local jar's Add-Opens manifest attribute)
 * are Spark's own list, as its launcher gives it to drivers and executors: a Spark upgrade that
 * changes the list fails here rather than at run time.
 */
class JavaOptionsTest {

    private static final List<String> SPARK = Arrays.asList(JavaModuleOptions.defaultModuleOptionArray());

    @Test
    void pomListIsSparksJavaModuleOptions() {
        assertEquals(String.join(" ", SPARK), System.getProperty("spark.java.options"));
    }

    @Test
    void testJvmRunsWithEveryOption() {
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String option : SPARK) {
            assertTrue(jvm.contains(option), "the test JVM lacks " + option + ": " + jvm);
        }
    }

    @Test
    void manifestAddOpensIsSparksAddOpens() {
        List<String> opens = SPARK.stream()
                .filter(o -> o.startsWith("--add-opens="))
                .map(o -> o.substring("--add-opens=".length(), o.length() - "=ALL-UNNAMED".length()))
                .toList();
        assertTrue(SPARK.stream().filter(o -> o.startsWith("--add-opens=")).allMatch(o -> o.endsWith("=ALL-UNNAMED")));
        assertEquals(String.join(" ", opens), System.getProperty("spark.manifest.add-opens"));
    }

    @Test
    void javaIsOneSpark42Supports() {
        Runtime.Version v = Runtime.version();
        assertTrue(v.feature() > 25 || v.feature() == 25 && (v.interim() > 0 || v.update() >= 3),
                "Spark 4.2 needs Java 25.0.3 or later (a G1 bug in earlier 25 builds), running " + v);
    }
}
