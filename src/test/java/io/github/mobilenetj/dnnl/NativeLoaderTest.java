package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the loader does on each platform, simulated: the load order, the system libraries it loads
 * first on Windows ({@code dnnl.dll} needs {@code vcomp140.dll}, which neither the oneDNN jar nor
 * the JDK carries), and the messages a missing DLL or a wrong library produce. No native code is
 * loaded: a recording {@link NativeLibrary.Loader} stands in for {@code System.load}.
 */
class NativeLoaderTest {

    @TempDir
    Path temp;

    /** Records every load; fails the names and files it is told to. */
    private static final class FakeLoader implements NativeLibrary.Loader {
        final List<String> calls = new ArrayList<>();
        final Set<String> missingSystemLibraries;
        final Map<String, String> failingFiles;

        FakeLoader(Set<String> missingSystemLibraries, Map<String, String> failingFiles) {
            this.missingSystemLibraries = missingSystemLibraries;
            this.failingFiles = failingFiles;
        }

        @Override
        public void loadFile(Path file) {
            calls.add("file " + file.getFileName());
            String error = failingFiles.get(file.getFileName().toString());
            if (error != null) {
                throw new UnsatisfiedLinkError(error.replace("$PATH", file.toString()));
            }
        }

        @Override
        public void loadSystemLibrary(String name) {
            calls.add("system " + name);
            if (missingSystemLibraries.contains(name)) {
                // What System.loadLibrary says on Windows when no java.library.path entry has the DLL.
                throw new UnsatisfiedLinkError("no " + name + " in java.library.path: C:\\jdk-25\\bin;C:\\Windows\\system32");
            }
        }
    }

    private static final Path CACHE = Path.of("C:\\cache\\dnnl-windows-x86_64-0123456789abcdef");

    // ---------------------------------------------------------------- Windows

    @Test
    void windowsLoadsTheVisualCppRuntimeByNameBeforeDnnl() {
        FakeLoader loader = new FakeLoader(Set.of(), Map.of());
        List<String> missing = NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(CACHE.resolve("dnnl.dll")), true, loader);
        assertEquals(List.of(), missing);
        // vcomp140 by name (System.loadLibrary searches System32): only then does SymbolLookup.loaderLookup()
        // find omp_set_num_threads, which dnnl.dll imports but does not export.
        assertEquals(List.of("system vcomp140", "system msvcp140", "system vcruntime140", "system vcruntime140_1",
                "file dnnl.dll"), loader.calls);
    }

    @Test
    void windowsWithTheJavacppJarLoadsItsVcompFromTheCacheInstead() {
        FakeLoader loader = new FakeLoader(Set.of("vcomp140"), Map.of());
        NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(CACHE.resolve("vcomp140.dll"), CACHE.resolve("dnnl.dll")),
                true, loader);
        assertEquals(List.of("system msvcp140", "system vcruntime140", "system vcruntime140_1", "file vcomp140.dll",
                "file dnnl.dll"), loader.calls, "the system's vcomp140 must not be asked for when the jar carries it");
    }

    @Test
    void windowsWithoutVcompNamesTheDllAndWhereToGetItBeforeTouchingDnnl() {
        FakeLoader loader = new FakeLoader(Set.of("vcomp140"), Map.of());
        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(CACHE.resolve("dnnl.dll")), true, loader));
        String m = e.getMessage();
        for (String part : List.of("dnnl.dll needs vcomp140.dll", "OpenMP", "Visual C++ 2015-2022 Redistributable (x64)",
                Platform.VC_REDIST_URL, "org.bytedeco:javacpp:1.5.14:windows-x86_64")) {
            assertTrue(m.contains(part), "missing '" + part + "' in: " + m);
        }
        assertFalse(loader.calls.contains("file dnnl.dll"), "dnnl.dll must not be loaded without its OpenMP runtime");
    }

    @Test
    void windowsWithoutTheCppRuntimeNamesIt() {
        FakeLoader loader = new FakeLoader(Set.of("msvcp140"), Map.of());
        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(CACHE.resolve("dnnl.dll")), true, loader));
        String m = e.getMessage();
        assertTrue(m.contains("msvcp140.dll") && m.contains("C++ standard library") && m.contains(Platform.VC_REDIST_URL), m);
        assertFalse(m.contains("javacpp"), "the javacpp jar's msvcp140 is not used (the JDK's is loaded first): " + m);
    }

    @Test
    void windowsDnnlFailingAnywayListsWhatItImports() {
        FakeLoader loader = new FakeLoader(Set.of(), Map.of("dnnl.dll",
                "$PATH: Can't find dependent libraries"));
        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(CACHE.resolve("dnnl.dll")), true, loader));
        String m = e.getMessage();
        assertTrue(m.startsWith("could not load " + CACHE.resolve("dnnl.dll") + ": Can't find dependent libraries. "), m);
        assertTrue(m.contains("VCOMP140.DLL") && m.contains("MSVCP140.dll") && m.contains("api-ms-win-crt"), m);
        assertTrue(m.contains(NativeLibrary.PATH_PROPERTY), m);
        assertTrue(e.getCause() instanceof UnsatisfiedLinkError);
    }

    @Test
    void anInstalledDnnlOnWindowsMayDoWithoutVcompButIsToldWhenItFails() {
        // -Dmobilenetj.dnnl.library: not strict, since a self-built oneDNN may use another threading runtime.
        Path own = Path.of("D:\\onednn\\bin").resolve("dnnl.dll");
        FakeLoader ok = new FakeLoader(Set.of("vcomp140"), Map.of());
        assertEquals(List.of("vcomp140"), NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(own), false, ok));
        assertEquals("file dnnl.dll", ok.calls.getLast());

        FakeLoader failing = new FakeLoader(Set.of("vcomp140"), Map.of("dnnl.dll", "$PATH: Can't find dependent libraries"));
        NativeLibraryException e = assertThrows(NativeLibraryException.class,
                () -> NativeLibrary.loadAll(Platform.WINDOWS_X86_64, List.of(own), false, failing));
        assertTrue(e.getMessage().contains("dnnl.dll needs vcomp140.dll") && e.getMessage().contains(Platform.VC_REDIST_URL),
                e.getMessage());
    }

    @Test
    void adviceIsOnlyGivenForTheVisualCppRuntime() {
        assertTrue(Platform.WINDOWS_X86_64.adviceFor("VCRUNTIME140_1.dll").orElseThrow().contains("vcruntime140_1.dll"));
        assertTrue(Platform.WINDOWS_X86_64.adviceFor("api-ms-win-crt-heap-l1-1-0.dll").orElseThrow()
                .contains("Universal C Runtime"));
        assertEquals(Optional.empty(), Platform.WINDOWS_X86_64.adviceFor("OpenCL"));
        assertEquals(Optional.empty(), Platform.LINUX_X86_64.adviceFor("vcomp140"));
        assertEquals("vcomp140.dll", Platform.WINDOWS_X86_64.mappedLibraryName("vcomp140"));
        assertEquals("libgomp.so", Platform.LINUX_ARM64.mappedLibraryName("gomp"));
        assertEquals("libomp.dylib", Platform.MACOSX_ARM64.mappedLibraryName("omp"));
    }

    // ---------------------------------------------------------------- the other platforms

    @Test
    void linuxAndMacLoadTheirFilesInOrderAndNothingByName() {
        for (Platform p : List.of(Platform.LINUX_X86_64, Platform.LINUX_ARM64, Platform.MACOSX_ARM64, Platform.MACOSX_X86_64)) {
            assertEquals(List.of(), p.systemLibraries(), p.toString());
            assertEquals(Optional.empty(), p.bundledRuntime(), p.toString());
            FakeLoader loader = new FakeLoader(Set.of(), Map.of());
            List<Path> files = p.filesInLoadOrder().stream().map(f -> Path.of("/cache", f)).toList();
            NativeLibrary.loadAll(p, files, true, loader);
            assertEquals(p.filesInLoadOrder().stream().map(f -> "file " + f).toList(), loader.calls, p.toString());
        }
    }

    @Test
    void aFailingFileIsNamedOnceWithTheReason() {
        Path lib = Path.of("/cache/dnnl-linux-x86_64-0/libdnnl.so.3");
        FakeLoader loader = new FakeLoader(Set.of(), Map.of("libdnnl.so.3", "$PATH: $PATH: invalid ELF header"));
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.loadAll(Platform.LINUX_X86_64,
                List.of(Path.of("/cache/dnnl-linux-x86_64-0/libgomp.so.1"), lib), true, loader));
        assertTrue(e.getMessage().startsWith("could not load " + lib + ": invalid ELF header. "), e.getMessage());
        assertEquals(1, e.getMessage().split(java.util.regex.Pattern.quote(lib.toString()), -1).length - 1,
                "the path once: " + e.getMessage());
    }

    @Test
    void anInstalledLibraryOnAnUnknownPlatformIsJustLoaded() {
        FakeLoader loader = new FakeLoader(Set.of(), Map.of());
        NativeLibrary.loadAll(null, List.of(Path.of("/opt/onednn/lib/libdnnl.so.3")), false, loader);
        assertEquals(List.of("file libdnnl.so.3"), loader.calls);
    }

    // ---------------------------------------------------------------- the cache on Windows

    @Test
    void theCacheExtractsVcompFromTheJavacppJarWhenItIsOnTheClassPath() throws IOException {
        byte[] dnnl = new byte[4096];
        byte[] vcomp = new byte[1024];
        new SplittableRandom(11).nextBytes(dnnl);
        new SplittableRandom(12).nextBytes(vcomp);
        Path withJavacpp = temp.resolve("cp1");
        Files.createDirectories(withJavacpp.resolve("org/bytedeco/dnnl/windows-x86_64"));
        Files.createDirectories(withJavacpp.resolve("org/bytedeco/javacpp/windows-x86_64"));
        Files.write(withJavacpp.resolve("org/bytedeco/dnnl/windows-x86_64/dnnl.dll"), dnnl);
        Files.write(withJavacpp.resolve("org/bytedeco/javacpp/windows-x86_64/vcomp140.dll"), vcomp);
        Path without = temp.resolve("cp2");
        Files.createDirectories(without.resolve("org/bytedeco/dnnl/windows-x86_64"));
        Files.write(without.resolve("org/bytedeco/dnnl/windows-x86_64/dnnl.dll"), dnnl);

        List<Path> bundled;
        try (URLClassLoader cl = new URLClassLoader(new URL[] {withJavacpp.toUri().toURL()}, null)) {
            bundled = new NativeCache(temp.resolve("cache"), cl).extract(Platform.WINDOWS_X86_64);
        }
        assertEquals(List.of("vcomp140.dll", "dnnl.dll"), bundled.stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(vcomp.length, dnnl.length), List.of((int) Files.size(bundled.get(0)), (int) Files.size(bundled.get(1))));

        List<Path> plain;
        try (URLClassLoader cl = new URLClassLoader(new URL[] {without.toUri().toURL()}, null)) {
            plain = new NativeCache(temp.resolve("cache"), cl).extract(Platform.WINDOWS_X86_64);
        }
        assertEquals(List.of("dnnl.dll"), plain.stream().map(p -> p.getFileName().toString()).toList());
        assertFalse(plain.getFirst().getParent().equals(bundled.getFirst().getParent()),
                "different contents, different cache directories");
    }

    // ---------------------------------------------------------------- checking what was loaded

    private static final List<String> FUNCTIONS = List.of("dnnl_engine_create", "dnnl_memory_desc_create_with_tag",
            "dnnl_version", "omp_set_num_threads");

    private static Optional<MemorySegment> found(String name) {
        return Optional.of(MemorySegment.ofAddress(0x1000 + name.length()));
    }

    @Test
    void aCompleteOneDnn3Passes() {
        NativeLibrary.verify(Path.of("/x/libdnnl.so.3"), null, NativeLoaderTest::found, FUNCTIONS,
                a -> new NativeLibrary.NativeVersion(3, 13, 0));
    }

    @Test
    void aLibraryWithoutDnnlVersionIsNotOneDnn() {
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.verify(
                Path.of("/usr/lib/libz.so.1"), "-Dmobilenetj.dnnl.library", n -> Optional.empty(), FUNCTIONS,
                a -> { throw new AssertionError("dnnl_version must not be called"); }));
        String m = e.getMessage();
        assertTrue(m.startsWith("-Dmobilenetj.dnnl.library points at /usr/lib/libz.so.1, which is not oneDNN"), m);
        assertTrue(m.contains("no dnnl_version") && m.contains("none of the 4"), m);
    }

    @Test
    void oneDnn2IsNamedWithItsVersion() {
        Set<String> in2 = Set.of("dnnl_engine_create", "dnnl_version", "omp_set_num_threads");
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.verify(
                Path.of("/usr/lib/x86_64-linux-gnu/libdnnl.so.2"), "MOBILENETJ_DNNL_LIBRARY",
                n -> in2.contains(n) ? found(n) : Optional.empty(), FUNCTIONS, a -> new NativeLibrary.NativeVersion(2, 6, 3)));
        String m = e.getMessage();
        assertTrue(m.contains("libdnnl.so.2, which is oneDNN 2.6.3; mobilenetj needs oneDNN 3.x"), m);
        assertTrue(m.contains("dnnl_memory_desc_create_with_tag"), m);
    }

    @Test
    void anIncompleteOneDnn3NamesTheMissingSymbols() {
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.verify(
                Path.of("/opt/libdnnl.so.3"), null, n -> n.startsWith("omp_") ? Optional.empty() : found(n), FUNCTIONS,
                a -> new NativeLibrary.NativeVersion(3, 13, 0)));
        assertTrue(e.getMessage().contains("(oneDNN 3.13.0) lacks 1 of the 4 functions mobilenetj calls: omp_set_num_threads"),
                e.getMessage());
    }

    @Test
    void longListsOfMissingSymbolsAreAbbreviated() {
        List<String> many = new ArrayList<>(FUNCTIONS);
        for (int i = 0; i < 20; i++) {
            many.add("dnnl_f" + i);
        }
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.verify(
                Path.of("/opt/libdnnl.so.3"), null, n -> n.equals("dnnl_version") ? found(n) : Optional.empty(), many,
                a -> new NativeLibrary.NativeVersion(3, 1, 0)));
        assertTrue(e.getMessage().contains(" and 15 more"), e.getMessage());
    }

    @Test
    void theListOfBoundFunctionsComesFromTheBindings() {
        List<String> functions = NativeLibrary.boundFunctions();
        assertTrue(functions.contains("dnnl_version") && functions.contains("dnnl_primitive_execute")
                && functions.contains("omp_set_num_threads"), functions.toString());
        assertEquals(functions.stream().sorted().distinct().toList(), functions, "sorted, no duplicates");
        assertFalse(functions.contains("dnnl_version_t") || functions.contains("dnnl_exec_arg_t"), "structs are not functions");
    }
}
