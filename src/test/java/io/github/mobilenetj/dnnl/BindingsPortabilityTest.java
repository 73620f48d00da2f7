package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed jextract output must be valid on all five platforms: it may use no C type whose size
 * differs between them. C {@code long} is the one that matters (64-bit on Linux and macOS, 32-bit on
 * Windows): jextract declares {@code C_LONG} in {@code DnnlNative$shared} with the generating
 * host's layout and casts to it in a static initialiser, so output that mentions it fails to
 * initialise, or passes wrong argument sizes, on the other OS. {@code bindings/generate.sh} parses
 * for Windows ({@code bindings/compile_flags.txt}), where {@code size_t} and {@code int64_t} become
 * {@code long long}, and deletes the declaration; this test keeps it that way.
 *
 * <p>It also ties the loader's list of bound functions ({@link NativeLibrary#boundFunctions()}) to
 * {@code bindings/jextract.args}, the one place they are chosen.
 */
class BindingsPortabilityTest {

    private static final Path BINDINGS = Path.of("bindings");
    private static final Path GENERATED = BINDINGS.resolve("src/main/java/io/github/mobilenetj/dnnl/ffi");

    /** C types whose size or layout is not the same on Linux, macOS and Windows (x86-64 and arm64). */
    private static final Pattern PLATFORM_SIZED = Pattern.compile(
            // jextract's constants for them: C_LONG (not C_LONG_LONG), C_LONG_DOUBLE, C_WCHAR...
            "\\bC_LONG\\b(?!_LONG)|\\bC_LONG_DOUBLE\\b|\\bC_WCHAR\\w*"
            // ... and the canonical-layout lookups they are made from
            + "|canonicalLayouts\\(\\)\\.get\\(\"(long|unsigned long|long double|wchar_t|size_t)\"\\)");

    private static List<Path> generatedSources() throws IOException {
        try (Stream<Path> files = Files.list(GENERATED)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void generatedSourcesUseNoPlatformSizedCType() throws IOException {
        List<Path> sources = generatedSources();
        assertTrue(sources.size() >= 4, "expected the generated sources in " + GENERATED.toAbsolutePath() + ": " + sources);
        List<String> offending = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = PLATFORM_SIZED.matcher(lines.get(i));
                if (m.find()) {
                    offending.add(source.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), offending, "the bindings mention a platform-sized C type; regenerate them with"
                + " bindings/generate.sh (Windows target, C_LONG removed)");
    }

    @Test
    void thePatternCatchesWhatJextractWritesForLong() {
        // What jextract 22+ emits for C long on a Linux or macOS host, and for size_t parsed for Linux.
        assertTrue(PLATFORM_SIZED.matcher(
                "public static final ValueLayout.OfLong C_LONG = (ValueLayout.OfLong) Linker.nativeLinker()"
                        + ".canonicalLayouts().get(\"long\");").find());
        assertTrue(PLATFORM_SIZED.matcher("            DnnlNative.C_LONG").find());
        assertTrue(PLATFORM_SIZED.matcher("            DnnlNative.C_LONG,").find());
        // ... and on a Windows host.
        assertTrue(PLATFORM_SIZED.matcher("public static final ValueLayout.OfInt C_LONG = (ValueLayout.OfInt)"
                + " Linker.nativeLinker().canonicalLayouts().get(\"long\");").find());
        // long long, int and pointers are the same size everywhere.
        assertFalse(PLATFORM_SIZED.matcher("            DnnlNative.C_LONG_LONG,").find());
        assertFalse(PLATFORM_SIZED.matcher("public static final ValueLayout.OfLong C_LONG_LONG = (ValueLayout.OfLong)"
                + " Linker.nativeLinker().canonicalLayouts().get(\"long long\");").find());
        assertFalse(PLATFORM_SIZED.matcher("DnnlNative.C_INT, DnnlNative.C_POINTER").find());
    }

    @Test
    void sizeTParametersAreSixtyFourBitsEverywhere() throws IOException {
        // The two size_t sites of the bound API: dnnl_engine_create's index and dnnl_memory_desc_get_size's result.
        String dnnl = Files.readString(GENERATED.resolve("DnnlNative.java"), StandardCharsets.UTF_8);
        for (String function : List.of("dnnl_engine_create", "dnnl_memory_desc_get_size")) {
            int start = dnnl.indexOf("private static class " + function + " {");
            assertTrue(start >= 0, function + " not generated");
            String descriptor = dnnl.substring(start, dnnl.indexOf("ADDR", start));
            assertTrue(descriptor.contains("DnnlNative.C_LONG_LONG"), function + ": size_t must be long long: " + descriptor);
        }
    }

    @Test
    void theAnonymousStructTypedefsWereGenerated() {
        // libclang 19 silently drops these two (the project then no longer compiles); generate.sh checks too.
        for (String name : List.of("dnnl_exec_arg_t.java", "dnnl_version_t.java")) {
            assertTrue(Files.isRegularFile(GENERATED.resolve(name)), name + " missing from " + GENERATED);
        }
    }

    @Test
    void boundFunctionsAreExactlyThoseOfJextractArgs() throws IOException {
        List<String> args = Files.readAllLines(BINDINGS.resolve("jextract.args"), StandardCharsets.UTF_8).stream()
                .map(String::strip).toList();
        List<String> included = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--include-function")) {
                included.add(args.get(i + 1));
            }
        }
        assertTrue(included.size() > 30, "jextract.args lists " + included);
        assertEquals(included.stream().sorted().toList(), NativeLibrary.boundFunctions(),
                "the loader checks the functions the bindings bind; they must be those jextract.args includes");
    }
}
