package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code -Dmobilenetj.dnnl.library} (or {@code MOBILENETJ_DNNL_LIBRARY}) pointing at something that
 * is not a complete oneDNN 3.x (libc, libz, Debian's oneDNN 2.6.3) must fail with a
 * {@link NativeLibraryException} naming the file and what is wrong, on every attempt: never an
 * {@code ExceptionInInitializerError}, never classes left broken for the life of the process.
 * Each case runs in its own JVM ({@link WrongLibraryChild}), since a loaded library cannot be
 * unloaded.
 *
 * <p>Debian's {@code libdnnl.so.2} comes with the package {@code libdnnl2}; the case is skipped
 * where it is not installed.
 */
class WrongLibraryTest {

    private static List<String> childResults(String library, boolean viaEnvironment) throws Exception {
        String javaCommand = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = String.join(File.pathSeparator, System.getProperty("java.class.path"),
                codeSource(WrongLibraryChild.class), codeSource(NativeLibrary.class));
        List<String> command = new ArrayList<>(List.of(javaCommand, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath));
        if (!viaEnvironment) {
            command.add("-D" + NativeLibrary.PATH_PROPERTY + "=" + library);
        }
        command.add(WrongLibraryChild.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.remove(NativeLibrary.PATH_ENV);
        if (viaEnvironment) {
            env.put(NativeLibrary.PATH_ENV, library);
        }
        Process p = builder.start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + output);
            assertEquals(0, p.exitValue(), "child JVM failed (it must report, not die):\n" + output);
            List<String> results = output.lines().filter(l -> l.startsWith("RESULT ")).map(l -> l.substring(7)).toList();
            assertEquals(3, results.size(), output);
            return results;
        } finally {
            p.destroyForcibly();
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** The first of {@code candidates} that is a file (real path), if any. */
    private static Optional<Path> firstFile(String... candidates) {
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static final String MULTIARCH = System.getProperty("os.arch").equals("aarch64") ? "aarch64-linux-gnu"
            : "x86_64-linux-gnu";

    /** Every attempt must be a NativeLibraryException whose message names the file and contains {@code expected}. */
    private static void assertEveryAttemptExplains(List<String> results, Path library, String... expected) {
        String exception = NativeLibraryException.class.getName() + " ";
        for (String r : results) {
            assertTrue(r.startsWith(exception), "expected a NativeLibraryException, got: " + r);
            assertTrue(r.contains(library.toString()), "the message must name " + library + ": " + r);
            for (String e : expected) {
                assertTrue(r.contains(e), "missing '" + e + "' in: " + r);
            }
        }
        assertEquals(1, results.stream().distinct().count(), "every attempt must report the same: " + results);
    }

    @Test
    void libcIsNotOneDnn() throws Exception {
        Optional<Path> libc = firstFile("/lib/" + MULTIARCH + "/libc.so.6", "/usr/lib/" + MULTIARCH + "/libc.so.6",
                "/lib64/libc.so.6", "/usr/lib64/libc.so.6", "C:\\Windows\\System32\\kernel32.dll");
        assumeTrue(libc.isPresent(), "no libc (or kernel32.dll) file found");
        assertEveryAttemptExplains(childResults(libc.get().toString(), false), libc.get(), "-D" + NativeLibrary.PATH_PROPERTY,
                "which is not oneDNN", "dnnl_version");
    }

    @Test
    void libzIsNotOneDnnEvenThroughTheEnvironmentVariable() throws Exception {
        Optional<Path> libz = firstFile("/lib/" + MULTIARCH + "/libz.so.1", "/usr/lib/" + MULTIARCH + "/libz.so.1",
                "/lib64/libz.so.1", "/usr/lib64/libz.so.1");
        assumeTrue(libz.isPresent(), "no libz.so.1 found");
        assertEveryAttemptExplains(childResults(libz.get().toString(), true), libz.get(), NativeLibrary.PATH_ENV,
                "which is not oneDNN", "none of the " + NativeLibrary.boundFunctions().size());
    }

    @Test
    void debiansOneDnn2IsRefusedWithItsVersion() throws Exception {
        Optional<Path> dnnl2 = firstFile("/usr/lib/" + MULTIARCH + "/libdnnl.so.2", "/lib/" + MULTIARCH + "/libdnnl.so.2");
        assumeTrue(dnnl2.isPresent(), "Debian's oneDNN 2.x is not installed (apt-get install libdnnl2)");
        assertEveryAttemptExplains(childResults(dnnl2.get().toString(), false), dnnl2.get(),
                "which is oneDNN 2.", "mobilenetj needs oneDNN 3.x", "dnnl_memory_desc_create_with_tag");
    }

    @Test
    void theRealOneDnnThroughTheOverrideWorks() throws Exception {
        // Measured on Linux (libdnnl.so.3 finds libgomp beside it through its RUNPATH $ORIGIN); elsewhere not checked.
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "checked on Linux only");
        NativeLibrary.Loaded loaded = NativeLibrary.load();
        assumeTrue(!loaded.overridden(), "this JVM already uses an installed oneDNN");
        List<String> results = childResults(loaded.library().toString(), false);
        for (String r : results.subList(0, 2)) {
            assertTrue(r.startsWith("ok 3."), "the bundled oneDNN, named explicitly, must load: " + r);
        }
        assertTrue(results.get(2).startsWith("ok engine"), results.get(2));
    }
}
