package io.github.mobilenetj.dnnl;

import io.github.mobilenetj.dnnl.ffi.DnnlNative;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds and loads the oneDNN shared library, and checks it, before the generated bindings first
 * touch it.
 *
 * <p>By default the library and its OpenMP runtime are extracted from the
 * {@code org.bytedeco:dnnl:<version>:<classifier>} jar on the class path into a per-user cache
 * (see {@link NativeCache}) and loaded by absolute path. To use an installed oneDNN 3.x instead,
 * set the system property {@value #PATH_PROPERTY} or the environment variable {@value #PATH_ENV}
 * to the library file. The cache location can be moved with {@value #CACHE_PROPERTY}.
 *
 * <p>After loading, the library must report a oneDNN 3.x version and export every function the
 * generated bindings bind ({@link #boundFunctions()}); otherwise {@link #load()} throws a
 * {@link NativeLibraryException} naming the file and what is wrong, and no binding has been
 * touched, so nothing is left half-initialised. On Windows the system libraries of
 * {@link Platform#systemLibraries()} (the MSVC OpenMP runtime first) are loaded before
 * {@code dnnl.dll}, and a missing one is named with where to get it.
 *
 * <p>Before the OpenMP runtime loads, the wait policy is chosen ({@link OpenMpEnvironment}:
 * {@code OMP_WAIT_POLICY=PASSIVE} unless the user chose otherwise).
 *
 * <p>Loading happens at most once per class loader; every wrapper calls {@link #load()} first.
 */
public final class NativeLibrary {

    /** System property naming an installed oneDNN library file to load instead of the bundled one. */
    public static final String PATH_PROPERTY = "mobilenetj.dnnl.library";
    /** Environment variable with the same meaning as {@link #PATH_PROPERTY} (the property wins). */
    public static final String PATH_ENV = "MOBILENETJ_DNNL_LIBRARY";
    /** System property choosing the extraction cache root. */
    public static final String CACHE_PROPERTY = "mobilenetj.cache.dir";
    /** The version of the Maven artifact this library was built and tested against. */
    public static final String DNNL_ARTIFACT_VERSION = "3.13-1.5.14";
    /** The oneDNN major version the bindings are generated for. */
    static final int REQUIRED_MAJOR = 3;

    static final String OVERRIDE_HINT = "To use an installed oneDNN 3.x, set -D" + PATH_PROPERTY
            + "=/path/to/libdnnl (or the environment variable " + PATH_ENV + ").";

    /**
     * Where the loaded library came from.
     *
     * @param openMp the OpenMP wait policy in effect and who chose it (see {@link OpenMpEnvironment})
     */
    public record Loaded(Path library, List<Path> files, boolean overridden, String openMp) {
    }

    /** Loads native code; replaced in tests to simulate another OS. */
    interface Loader {
        /** {@link System#load}: a file by absolute path. */
        void loadFile(Path file);

        /** {@link System#loadLibrary}: a library by name, from {@code java.library.path}. */
        void loadSystemLibrary(String name);
    }

    static final Loader SYSTEM = new Loader() {
        @Override
        public void loadFile(Path file) {
            System.load(file.toString());
        }

        @Override
        public void loadSystemLibrary(String name) {
            System.loadLibrary(name);
        }
    };

    private static volatile Loaded loaded;
    /** A failure after native code was loaded: it cannot be undone, so every later call reports it again. */
    private static volatile NativeLibraryException permanentFailure;

    private NativeLibrary() {
    }

    /**
     * Loads oneDNN if this class loader has not yet done so, and returns what was loaded.
     *
     * @throws NativeLibraryException if oneDNN cannot be found, extracted or loaded, or the library
     *     loaded is not a complete oneDNN 3.x; the message names the file and what is wrong
     */
    public static Loaded load() {
        Loaded current = loaded;
        if (current != null) {
            return current;
        }
        synchronized (NativeLibrary.class) {
            if (loaded == null) {
                NativeLibraryException failure = permanentFailure;
                if (failure != null) {
                    throw new NativeLibraryException(failure.getMessage(), failure);
                }
                loaded = loadOnce();
            }
            return loaded;
        }
    }

    private static Loaded loadOnce() {
        String override = System.getProperty(PATH_PROPERTY);
        String source = "-D" + PATH_PROPERTY;
        if (override == null || override.isBlank()) {
            override = System.getenv(PATH_ENV);
            source = PATH_ENV;
        }
        if (override != null && !override.isBlank()) {
            Path library = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(library)) {
                throw new NativeLibraryException(source + " points at " + library + ", which is not a file");
            }
            Platform platform = platformOrNull();
            return loadAndVerify(platform, List.of(library), false, source);
        }
        Platform platform = Platform.current();
        List<Path> files;
        try {
            files = new NativeCache(NativeCache.defaultRoot(), NativeLibrary.class.getClassLoader()).extract(platform);
        } catch (IOException e) {
            throw new NativeLibraryException("could not extract oneDNN for " + platform.classifier() + " into "
                    + NativeCache.defaultRoot() + " (set -D" + CACHE_PROPERTY + " to a writable directory): " + e, e);
        }
        return loadAndVerify(platform, files, true, null);
    }

    private static Platform platformOrNull() {
        try {
            return Platform.current();
        } catch (UnsupportedPlatformException e) {
            return null; // an installed oneDNN on a platform without bundled natives
        }
    }

    private static Loaded loadAndVerify(Platform platform, List<Path> files, boolean strict, String overrideSource) {
        String openMp = OpenMpEnvironment.apply(platform, System.getProperty(OpenMpEnvironment.PROPERTY), System::getenv,
                OpenMpEnvironment.loadedRuntime(), OpenMpEnvironment::setenv);
        try {
            loadAll(platform, files, strict, SYSTEM);
        } catch (NativeLibraryException e) {
            permanentFailure = e;
            throw e;
        }
        Path library = files.getLast();
        SymbolLookup lookup = SymbolLookup.loaderLookup().or(Linker.nativeLinker().defaultLookup());
        try {
            verify(library, overrideSource, name -> lookup.find(name), boundFunctions(), NativeLibrary::callVersion);
        } catch (NativeLibraryException e) {
            permanentFailure = e;
            throw e;
        }
        return new Loaded(library, List.copyOf(files), overrideSource != null, openMp);
    }

    // ---------------------------------------------------------------- loading, in order

    /**
     * Loads the system libraries {@code platform} needs (those not among {@code files}), then
     * {@code files} in order.
     *
     * @param platform the platform, or null when unknown (an installed oneDNN elsewhere)
     * @param strict whether a missing system library fails at once (bundled natives) or only when
     *     the library itself then fails to load (an installed oneDNN may not need it)
     * @return the system libraries that could not be loaded (only when not strict)
     */
    static List<String> loadAll(Platform platform, List<Path> files, boolean strict, Loader loader) {
        Set<String> fileNames = files.stream().map(p -> p.getFileName().toString().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        Map<String, String> missing = new LinkedHashMap<>();
        if (platform != null) {
            for (String name : platform.systemLibraries()) {
                if (fileNames.contains(platform.mappedLibraryName(name).toLowerCase(Locale.ROOT))) {
                    continue; // carried by a jar on the class path and extracted with oneDNN
                }
                try {
                    loader.loadSystemLibrary(name);
                } catch (UnsatisfiedLinkError e) {
                    missing.put(name, e.getMessage());
                    if (strict) {
                        throw new NativeLibraryException(missingSystemLibraries(platform, files.getLast(), missing));
                    }
                }
            }
        }
        for (Path file : files) {
            try {
                loader.loadFile(file);
            } catch (UnsatisfiedLinkError e) {
                StringBuilder message = new StringBuilder("could not load ").append(file).append(": ")
                        .append(withoutRepeatedPath(e.getMessage(), file));
                if (!missing.isEmpty()) {
                    message.append(". ").append(missingSystemLibraries(platform, file, missing));
                } else if (platform == Platform.WINDOWS_X86_64) {
                    message.append(". ").append(file.getFileName()).append(" imports ")
                            .append(String.join(", ", WINDOWS_IMPORTS)).append(" (besides KERNEL32.dll); ")
                            .append(platform.adviceFor("vcomp140").orElseThrow());
                }
                throw new NativeLibraryException(message.append(". ").append(OVERRIDE_HINT).toString(), e);
            }
        }
        return List.copyOf(missing.keySet());
    }

    /** What {@code dnnl.dll} 3.13 (org.bytedeco:dnnl:3.13-1.5.14) imports, from {@code objdump -p}. */
    static final List<String> WINDOWS_IMPORTS = List.of("VCOMP140.DLL", "MSVCP140.dll", "VCRUNTIME140.dll",
            "VCRUNTIME140_1.dll", "api-ms-win-crt-*.dll (the Universal C Runtime)");

    private static String missingSystemLibraries(Platform platform, Path library, Map<String, String> missing) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, String> m : missing.entrySet()) {
            String file = platform.mappedLibraryName(m.getKey());
            parts.add(platform.adviceFor(m.getKey())
                    .orElse(file + " was not found on java.library.path (" + m.getValue() + ")"));
        }
        String names = missing.keySet().stream().map(platform::mappedLibraryName).collect(Collectors.joining(", "));
        return library.getFileName() + " needs " + names + ", which could not be loaded: " + String.join("; ", parts);
    }

    /** {@code "/x/lib.so: /x/lib.so: invalid ELF header"} -> {@code "invalid ELF header"}. */
    static String withoutRepeatedPath(String message, Path file) {
        if (message == null) {
            return "unknown error";
        }
        String text = message;
        String prefix = file.toString() + ": ";
        while (text.startsWith(prefix)) {
            text = text.substring(prefix.length());
        }
        return text;
    }

    // ---------------------------------------------------------------- checking what was loaded

    /** The version triple {@code dnnl_version()} reports. */
    record NativeVersion(int major, int minor, int patch) {
        @Override
        public String toString() {
            return major + "." + minor + "." + patch;
        }
    }

    /**
     * The C functions the generated bindings bind, in the order jextract emitted them: one nested
     * class of {@link DnnlNative} per function, generated from the {@code --include-function}
     * lines of {@code bindings/jextract.args}. Read without initialising those classes (their
     * initialisers resolve the symbols).
     */
    static List<String> boundFunctions() {
        return Arrays.stream(DnnlNative.class.getDeclaredClasses())
                .filter(c -> Modifier.isStatic(c.getModifiers()) && Modifier.isPrivate(c.getModifiers()))
                .map(Class::getSimpleName)
                .sorted()
                .toList();
    }

    /**
     * Checks that {@code library} is a oneDNN {@value #REQUIRED_MAJOR}.x exporting every bound
     * function.
     *
     * @param overrideSource how the user named the file ({@code -Dmobilenetj.dnnl.library} or the
     *     environment variable), or null for the bundled natives
     * @param lookup finds a symbol in what was loaded (as the generated bindings do)
     * @param version calls {@code dnnl_version} at the given address
     */
    static void verify(Path library, String overrideSource, Function<String, Optional<MemorySegment>> lookup,
            List<String> functions, Function<MemorySegment, NativeVersion> version) {
        String what = (overrideSource == null ? "" : overrideSource + " points at ") + library;
        List<String> missing = functions.stream().filter(f -> lookup.apply(f).isEmpty()).toList();
        Optional<MemorySegment> versionSymbol = lookup.apply("dnnl_version");
        if (versionSymbol.isEmpty()) {
            throw new NativeLibraryException(what + ", which is not oneDNN: it exports no dnnl_version"
                    + (missing.size() == functions.size() ? " and none of the " + functions.size() + " oneDNN functions"
                            + " mobilenetj calls" : "; missing: " + abbreviate(missing)) + ". " + OVERRIDE_HINT);
        }
        NativeVersion v = version.apply(versionSymbol.get());
        if (v.major() != REQUIRED_MAJOR) {
            throw new NativeLibraryException(what + ", which is oneDNN " + v + "; mobilenetj needs oneDNN "
                    + REQUIRED_MAJOR + ".x (its bindings are generated from oneDNN 3.13, whose C API differs from "
                    + v.major() + ".x" + (missing.isEmpty() ? "" : "; missing here: " + abbreviate(missing)) + "). "
                    + OVERRIDE_HINT);
        }
        if (!missing.isEmpty()) {
            throw new NativeLibraryException(what + " (oneDNN " + v + ") lacks " + missing.size() + " of the "
                    + functions.size() + " functions mobilenetj calls: " + abbreviate(missing)
                    + ". Use a complete oneDNN 3.x build (3.13 is tested). " + OVERRIDE_HINT);
        }
    }

    private static String abbreviate(List<String> names) {
        int shown = 8;
        return names.size() <= shown ? String.join(", ", names)
                : String.join(", ", names.subList(0, shown)) + " and " + (names.size() - shown) + " more";
    }

    /** Calls {@code const dnnl_version_t *dnnl_version(void)} and reads major, minor, patch (three ints). */
    private static NativeVersion callVersion(MemorySegment address) {
        MethodHandle handle = Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(ValueLayout.ADDRESS));
        MemorySegment v;
        try {
            v = (MemorySegment) handle.invokeExact();
        } catch (Throwable t) {
            throw new NativeLibraryException("calling dnnl_version failed: " + t, t);
        }
        if (v.equals(MemorySegment.NULL)) {
            throw new NativeLibraryException("dnnl_version returned NULL");
        }
        MemorySegment s = v.reinterpret(3L * Integer.BYTES);
        return new NativeVersion(s.get(ValueLayout.JAVA_INT, 0), s.get(ValueLayout.JAVA_INT, 4),
                s.get(ValueLayout.JAVA_INT, 8));
    }
}
