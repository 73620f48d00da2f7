package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The OpenMP wait policy: passive unless the user chose, the user's environment and an already
 * loaded runtime win, and, checked against libgomp itself in a fresh JVM, the setting reaches the
 * runtime (its {@code omp_display_env} reports the spin count it took when it loaded).
 */
class OpenMpEnvironmentTest {

    /** A fake environment and setter recording what was set. */
    private static final class Env {
        final Map<String, String> variables = new HashMap<>();
        final List<String> set = new ArrayList<>();
        int result;

        String apply(Platform platform, String property, Optional<String> loaded) {
            return OpenMpEnvironment.apply(platform, property, variables::get, loaded, (name, value) -> {
                set.add(name + "=" + value);
                return result;
            });
        }
    }

    @Test
    void passiveUnlessTheUserChose() {
        Env env = new Env();
        String text = env.apply(Platform.LINUX_X86_64, null, Optional.empty());
        assertEquals(List.of("OMP_WAIT_POLICY=PASSIVE"), env.set);
        assertTrue(text.startsWith("OMP_WAIT_POLICY=PASSIVE (set by mobilenetj"), text);

        env = new Env();
        assertTrue(env.apply(Platform.MACOSX_ARM64, "Active", Optional.empty()).startsWith("OMP_WAIT_POLICY=ACTIVE"));
        assertEquals(List.of("OMP_WAIT_POLICY=ACTIVE"), env.set, "libomp and libiomp5 read the same variable");

        env = new Env();
        assertTrue(env.apply(Platform.LINUX_ARM64, "default", Optional.empty()).contains("runtime's default"));
        assertEquals(List.of(), env.set);
    }

    @Test
    void theEnvironmentAndAnEarlierRuntimeWin() {
        for (String variable : OpenMpEnvironment.USER_CHOICES) {
            Env env = new Env();
            env.variables.put(variable, "7");
            assertEquals(variable + "=7 (from the environment)", env.apply(Platform.LINUX_X86_64, "active", Optional.empty()));
            assertEquals(List.of(), env.set, variable);
        }
        Env env = new Env();
        env.variables.put("OMP_WAIT_POLICY", ""); // set but empty: not a choice
        String text = env.apply(Platform.LINUX_X86_64, null, Optional.of("/usr/lib/x86_64-linux-gnu/libgomp.so.1"));
        assertTrue(text.contains("/usr/lib/x86_64-linux-gnu/libgomp.so.1, loaded before mobilenetj"), text);
        assertEquals(List.of(), env.set);

        env = new Env();
        assertEquals("the MSVC OpenMP runtime's default", env.apply(Platform.WINDOWS_X86_64, null, Optional.empty()));
        assertEquals(List.of(), env.set);

        env = new Env();
        env.result = -1;
        assertTrue(env.apply(Platform.LINUX_X86_64, null, Optional.empty()).contains("setenv(OMP_WAIT_POLICY) failed"));
    }

    @Test
    void aBadPropertyIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Env().apply(Platform.LINUX_X86_64, "spin", Optional.empty()));
        assertEquals("system property mobilenetj.openmp.waitPolicy = 'spin' is not passive, active or default", e.getMessage());
    }

    /** Runs {@link OpenMpChild}; returns the library's description and libgomp's GOMP_SPINCOUNT. */
    private static String[] child(Map<String, String> environment, String property) throws Exception {
        String javaCommand = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = String.join(File.pathSeparator, System.getProperty("java.class.path"),
                codeSource(OpenMpChild.class), codeSource(NativeLibrary.class));
        List<String> command = new ArrayList<>(List.of(javaCommand, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath));
        if (property != null) {
            command.add("-D" + OpenMpEnvironment.PROPERTY + "=" + property);
        }
        command.add(OpenMpChild.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeAll(OpenMpEnvironment.USER_CHOICES);
        builder.environment().putAll(environment);
        Process p = builder.start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + output);
            assertEquals(0, p.exitValue(), "child JVM failed:\n" + output);
            Matcher policy = Pattern.compile("^POLICY (.*)$", Pattern.MULTILINE).matcher(output);
            Matcher spin = Pattern.compile("GOMP_SPINCOUNT = '(\\d+)'").matcher(output);
            assertTrue(policy.find() && spin.find(), output);
            return new String[] {policy.group(1), spin.group(1)};
        } finally {
            p.destroyForcibly();
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void libgompTakesThePolicy() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "libgomp is the OpenMP runtime on Linux only");
        assumeTrue(System.getProperty(NativeLibrary.PATH_PROPERTY) == null && System.getenv(NativeLibrary.PATH_ENV) == null,
                "an installed oneDNN may use another runtime");
        // libgomp's spin counts: 0 for passive, 300,000 by default, 30,000,000,000 for active.
        String[] passive = child(Map.of(), null);
        assertTrue(passive[0].startsWith("OMP_WAIT_POLICY=PASSIVE (set by mobilenetj"), passive[0]);
        assertEquals("0", passive[1], "libgomp must have read OMP_WAIT_POLICY=PASSIVE when it loaded");

        String[] runtimeDefault = child(Map.of(), "default");
        assertEquals("300000", runtimeDefault[1], runtimeDefault[0]);

        String[] user = child(Map.of("OMP_WAIT_POLICY", "active"), "passive");
        assertEquals("OMP_WAIT_POLICY=active (from the environment)", user[0]);
        assertEquals("30000000000", user[1], "the user's environment wins over the library's choice");
    }
}
