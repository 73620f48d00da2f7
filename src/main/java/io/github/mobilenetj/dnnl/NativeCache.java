package io.github.mobilenetj.dnnl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Extracts a platform's native files from the class path into a per-user cache directory.
 *
 * <p>The directory name is a SHA-256 over the files' names, sizes and CRC-32s as the jar records
 * them, so a new oneDNN build lands in a new directory and an unchanged one is reused without
 * re-extraction. A cached file whose size or CRC-32 no longer matches is replaced. Extraction
 * writes a temporary file and moves it into place atomically, under a file lock, so two JVMs
 * starting at once never load a half-written library.
 *
 * <p>An intact cache is used without writing anything: the files are verified first, and the
 * directory is created and locked only when something has to be (re)written. So a cache
 * pre-populated on a read-only path (a container image layer, a read-only mount) works.
 *
 * <p>Where the platform has a {@link Platform#bundledRuntime()} (Windows: {@code vcomp140.dll} from
 * {@code org.bytedeco:javacpp:<v>:windows-x86_64}) and that jar is on the class path, its files are
 * extracted too, first in load order; when it is absent they are simply not part of the cache.
 */
final class NativeCache {

    /** One in-JVM lock per cache directory: FileLock alone does not exclude threads of one JVM. */
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final ClassLoader classLoader;

    NativeCache(Path root, ClassLoader classLoader) {
        this.root = root;
        this.classLoader = classLoader;
    }

    /** The default cache root: {@code mobilenetj.cache.dir}, else the OS's per-user cache location. */
    static Path defaultRoot() {
        String configured = System.getProperty(NativeLibrary.CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String home = System.getProperty("user.home");
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            String local = System.getenv("LOCALAPPDATA");
            return Path.of(local != null ? local : home, "mobilenetj", "cache");
        }
        if (os.startsWith("mac")) {
            return Path.of(home, "Library", "Caches", "mobilenetj");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "mobilenetj") : Path.of(home, ".cache", "mobilenetj");
    }

    /** A file to extract: where it is on the class path and what the jar says its content is. */
    record Source(String name, URL url, long size, long crc) {
    }

    /**
     * Makes sure every file of {@code platform} is present and intact in the cache.
     *
     * @return the cached files in load order
     */
    List<Path> extract(Platform platform) throws IOException {
        List<Source> sources = locate(platform);
        Path dir = root.resolve("dnnl-" + platform.classifier() + "-" + fingerprint(sources));
        List<Path> files = new ArrayList<>();
        for (Source source : sources) {
            files.add(dir.resolve(source.name()));
        }
        // Verify first, without creating, locking or writing anything: an intact cache may be read-only.
        if (allIntact(files, sources)) {
            return files;
        }
        try {
            Files.createDirectories(dir);
            Object jvmLock = JVM_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> new Object());
            synchronized (jvmLock) {
                try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                        FileLock ignored = lockFile.lock()) {
                    for (int i = 0; i < sources.size(); i++) {
                        if (!isIntact(files.get(i), sources.get(i))) {
                            install(sources.get(i), files.get(i));
                        }
                    }
                    return files;
                }
            }
        } catch (ReadOnlyFileSystemException e) {
            throw new IOException(dir + " is on a read-only file system and does not hold an intact copy of "
                    + sources.stream().map(Source::name).toList(), e);
        }
    }

    /** Whether every file is present and matches its source; an unreadable file counts as not intact. */
    private static boolean allIntact(List<Path> files, List<Source> sources) {
        for (int i = 0; i < sources.size(); i++) {
            try {
                if (!isIntact(files.get(i), sources.get(i))) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                return false; // the locked path below re-checks and reports what fails there
            }
        }
        return true;
    }

    private List<Source> locate(Platform platform) throws IOException {
        List<Source> sources = new ArrayList<>();
        // Optional: system libraries another jar carries (loaded first when present).
        if (platform.bundledRuntime().isPresent()) {
            Platform.BundledRuntime runtime = platform.bundledRuntime().get();
            for (String file : runtime.files()) {
                URL url = classLoader.getResource(runtime.resourceDirectory() + file);
                if (url != null) {
                    sources.add(describe(file, url));
                }
            }
        }
        for (String file : platform.filesInLoadOrder()) {
            String resource = platform.resourceDirectory() + file;
            URL url = classLoader.getResource(resource);
            if (url == null) {
                throw new NativeLibraryException("oneDNN for " + platform.classifier() + " is not on the class path: looked for "
                        + resource + ", which the jar org.bytedeco:dnnl:" + NativeLibrary.DNNL_ARTIFACT_VERSION + ":"
                        + platform.classifier() + " carries. Add that jar (exclude its org.bytedeco:javacpp and "
                        + "org.bytedeco:opencl dependencies). " + NativeLibrary.OVERRIDE_HINT);
            }
            sources.add(describe(file, url));
        }
        return sources;
    }

    /** Size and CRC-32 from the jar's directory when possible; otherwise by reading the resource. */
    private static Source describe(String name, URL url) throws IOException {
        URLConnection connection = url.openConnection();
        if (connection instanceof JarURLConnection jar) {
            jar.setUseCaches(false);
            JarEntry entry = jar.getJarEntry();
            if (entry != null && entry.getSize() >= 0 && entry.getCrc() >= 0) {
                return new Source(name, url, entry.getSize(), entry.getCrc());
            }
        }
        CRC32 crc = new CRC32();
        long size = 0;
        try (InputStream in = url.openStream()) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; size += n) {
                crc.update(buffer, 0, n);
            }
        }
        return new Source(name, url, size, crc.getValue());
    }

    private static String fingerprint(List<Source> sources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Source s : sources) {
                sha.update((s.name() + ":" + s.size() + ":" + Long.toHexString(s.crc()) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    static boolean isIntact(Path file, Source expected) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) != expected.size()) {
            return false;
        }
        return crcOf(file) == expected.crc();
    }

    private static long crcOf(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
            while (channel.read(buffer.clear()) > 0) {
                crc.update(buffer.flip());
            }
        }
        return crc.getValue();
    }

    private static void install(Source source, Path target) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), source.name() + ".", ".partial");
        try {
            try (InputStream in = source.url().openStream(); OutputStream out = Files.newOutputStream(temp)) {
                in.transferTo(out);
            }
            if (!isIntact(temp, source)) {
                throw new NativeLibraryException("extracted " + source.name() + " from " + source.url()
                        + " does not match the size/CRC-32 the jar records; the jar may be corrupt");
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
