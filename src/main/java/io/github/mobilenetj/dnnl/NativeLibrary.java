package io.github.mobilenetj.dnnl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds and loads the oneDNN shared library before the generated bindings first touch it.
 *
 * <p>By default the library and its OpenMP runtime are extracted from the
 * {@code org.bytedeco:dnnl:<version>:<classifier>} jar on the class path into a per-user cache
 * (see {@link NativeCache}) and loaded by absolute path. To use an installed oneDNN 3.x instead,
 * set the system property {@value #PATH_PROPERTY} or the environment variable {@value #PATH_ENV}
 * to the library file. The cache location can be moved with {@value #CACHE_PROPERTY}.
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

    static final String OVERRIDE_HINT = "To use an installed oneDNN 3.x, set -D" + PATH_PROPERTY
            + "=/path/to/libdnnl (or the environment variable " + PATH_ENV + ").";

    /** Where the loaded library came from. */
    public record Loaded(Path library, List<Path> files, boolean overridden) {
    }

    private static volatile Loaded loaded;

    private NativeLibrary() {
    }

    /** Loads oneDNN if this class loader has not yet done so, and returns what was loaded. */
    public static Loaded load() {
        Loaded current = loaded;
        if (current != null) {
            return current;
        }
        synchronized (NativeLibrary.class) {
            if (loaded == null) {
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
            systemLoad(library);
            return new Loaded(library, List.of(library), true);
        }
        Platform platform = Platform.current();
        List<Path> files;
        try {
            files = new NativeCache(NativeCache.defaultRoot(), NativeLibrary.class.getClassLoader()).extract(platform);
        } catch (IOException e) {
            throw new NativeLibraryException("could not extract oneDNN for " + platform.classifier() + " into "
                    + NativeCache.defaultRoot() + " (set -D" + CACHE_PROPERTY + " to a writable directory): " + e, e);
        }
        for (Path file : files) {
            systemLoad(file);
        }
        return new Loaded(files.getLast(), files, false);
    }

    private static void systemLoad(Path file) {
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLibraryException("could not load " + file + ": " + e.getMessage() + ". " + OVERRIDE_HINT, e);
        }
    }
}
