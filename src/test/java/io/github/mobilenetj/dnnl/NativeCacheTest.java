package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link NativeCache} against a fake class path holding made-up "natives" (random bytes): a plain
 * directory and a jar, each loaded by a {@link URLClassLoader} without parent, so the real oneDNN
 * jar on the test class path is never seen.
 */
class NativeCacheTest {

    private static final Platform PLATFORM = Platform.LINUX_X86_64;
    private static final String DIR = "org/bytedeco/dnnl/linux-x86_64/";
    private static final String GOMP = "libgomp.so.1";
    private static final String DNNL = "libdnnl.so.3";

    enum Kind { DIRECTORY, JAR }

    @TempDir
    Path temp;

    private int counter;

    // ---------------------------------------------------------------- fixtures

    private static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static Map<String, byte[]> natives(long seed) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(GOMP, bytes(seed, 64 * 1024 + 3));
        files.put(DNNL, bytes(seed + 1, 768 * 1024 + 7));
        return files;
    }

    /** A class path entry (directory or jar) holding {@code files} under the linux-x86_64 resource directory. */
    private Path classPathEntry(Kind kind, Map<String, byte[]> files) throws IOException {
        int n = counter++;
        if (kind == Kind.DIRECTORY) {
            Path root = temp.resolve("classes-" + n);
            Path dir = Files.createDirectories(root.resolve(DIR));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Files.write(dir.resolve(f.getKey()), f.getValue());
            }
            return root;
        }
        Path jar = temp.resolve("natives-" + n + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String d : new String[] {"org/", "org/bytedeco/", "org/bytedeco/dnnl/", DIR}) {
                out.putNextEntry(new JarEntry(d));
                out.closeEntry();
            }
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                out.putNextEntry(new JarEntry(DIR + f.getKey()));
                out.write(f.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    private static URLClassLoader loader(Path entry) throws IOException {
        return new URLClassLoader(new URL[] {entry.toUri().toURL()}, null);
    }

    private static List<Path> extract(Path root, Path entry) throws IOException {
        try (URLClassLoader loader = loader(entry)) {
            return new NativeCache(root, loader).extract(PLATFORM);
        }
    }

    private static void assertIntact(List<Path> files, Map<String, byte[]> expected) throws IOException {
        assertEquals(List.copyOf(expected.keySet()), files.stream().map(p -> p.getFileName().toString()).toList(),
                "files in load order");
        for (Path file : files) {
            assertTrue(Files.isRegularFile(file), file + " is missing");
            assertArrayEquals(expected.get(file.getFileName().toString()), Files.readAllBytes(file),
                    file + " differs from the class path resource");
        }
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    private static FileTime modified(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).lastModifiedTime();
    }

    /** Only the natives and the lock file: no leftover temporary files. */
    private static void assertNoLeftovers(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            List<String> names = list.map(p -> p.getFileName().toString()).sorted().toList();
            for (String name : names) {
                assertTrue(name.equals(GOMP) || name.equals(DNNL) || name.equals(".lock"),
                        "unexpected file " + name + " in " + dir + ": " + names);
            }
        }
    }

    // ---------------------------------------------------------------- tests

    @ParameterizedTest
    @EnumSource(Kind.class)
    void firstExtractCreatesIdenticalFilesAndSecondReusesThem(Kind kind) throws Exception {
        Map<String, byte[]> content = natives(1);
        Path entry = classPathEntry(kind, content);
        Path root = temp.resolve("cache");

        List<Path> first = extract(root, entry);
        assertIntact(first, content);
        Path dir = first.getFirst().getParent();
        assertEquals(root.toAbsolutePath().normalize(), dir.getParent().toAbsolutePath().normalize(),
                "one directory per build directly under the root");
        assertTrue(dir.getFileName().toString().startsWith("dnnl-linux-x86_64-"), dir.toString());
        assertEquals(dir, first.getLast().getParent());
        assertNoLeftovers(dir);

        List<FileTime> times = new ArrayList<>();
        List<Object> keys = new ArrayList<>();
        for (Path p : first) {
            times.add(modified(p));
            keys.add(fileKey(p));
        }
        Thread.sleep(20); // a rewrite would now show a later modification time

        // A new cache object and class loader, as a second start of the application would have.
        List<Path> second = extract(root, entry);
        assertEquals(first, second);
        assertIntact(second, content);
        for (int i = 0; i < second.size(); i++) {
            assertEquals(times.get(i), modified(second.get(i)), second.get(i) + " was rewritten");
            assertEquals(keys.get(i), fileKey(second.get(i)), second.get(i) + " was replaced");
        }
    }

    @Test
    void directoryAndJarWithTheSameContentShareTheCacheDirectory() throws Exception {
        Map<String, byte[]> content = natives(2);
        Path root = temp.resolve("cache");
        List<Path> fromDirectory = extract(root, classPathEntry(Kind.DIRECTORY, content));
        Object key = fileKey(fromDirectory.getLast());
        List<Path> fromJar = extract(root, classPathEntry(Kind.JAR, content));
        assertEquals(fromDirectory, fromJar);
        assertEquals(key, fileKey(fromJar.getLast()), "identical content must not be extracted again");
        assertIntact(fromJar, content);
    }

    enum Damage { OVERWRITTEN_SAME_LENGTH, TRUNCATED, EXTENDED, DELETED }

    static Stream<Arguments> damages() {
        List<Arguments> list = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (Damage d : Damage.values()) {
                list.add(Arguments.of(k, d));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("damages")
    void damagedCachedFileIsDetectedAndReplaced(Kind kind, Damage damage) throws Exception {
        Map<String, byte[]> content = natives(3);
        Path entry = classPathEntry(kind, content);
        Path root = temp.resolve("cache");
        List<Path> files = extract(root, entry);
        Path gomp = files.getFirst();
        Path dnnl = files.getLast();
        Object gompKey = fileKey(gomp);
        FileTime gompTime = modified(gomp);

        byte[] original = content.get(DNNL);
        switch (damage) {
            case OVERWRITTEN_SAME_LENGTH -> {
                // Same size, different bytes in the middle: only the CRC can tell.
                byte[] corrupt = original.clone();
                for (int i = 1000; i < 1100; i++) {
                    corrupt[i] ^= (byte) 0x5A;
                }
                try (var ch = Files.newByteChannel(dnnl, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(corrupt));
                }
                assertEquals(original.length, Files.size(dnnl));
            }
            case TRUNCATED -> {
                try (var ch = Files.newByteChannel(dnnl, StandardOpenOption.WRITE)) {
                    ch.truncate(original.length / 2);
                }
            }
            case EXTENDED -> Files.write(dnnl, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
            case DELETED -> Files.delete(dnnl);
        }
        assertFalse(damage != Damage.DELETED && Arrays.equals(original, Files.readAllBytes(dnnl)));

        List<Path> again = extract(root, entry);
        assertEquals(files, again, "the same cache directory is repaired in place");
        assertIntact(again, content);
        assertEquals(gompKey, fileKey(gomp), "the intact file must not be replaced");
        assertEquals(gompTime, modified(gomp), "the intact file must not be rewritten");
        assertNoLeftovers(dnnl.getParent());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void changedContentGoesToAnotherDirectory(Kind kind) throws Exception {
        Map<String, byte[]> oldContent = natives(4);
        Map<String, byte[]> newContent = new LinkedHashMap<>(oldContent);
        byte[] changed = oldContent.get(DNNL).clone();
        changed[changed.length / 2] ^= 1; // same size, one bit differs
        newContent.put(DNNL, changed);
        Path root = temp.resolve("cache");

        List<Path> oldFiles = extract(root, classPathEntry(kind, oldContent));
        Object oldKey = fileKey(oldFiles.getLast());
        List<Path> newFiles = extract(root, classPathEntry(kind, newContent));

        assertNotEquals(oldFiles.getFirst().getParent(), newFiles.getFirst().getParent(),
                "a different build must get its own directory");
        assertTrue(newFiles.getFirst().getParent().getFileName().toString().startsWith("dnnl-linux-x86_64-"));
        assertIntact(newFiles, newContent);
        // The old build's files are left alone (another running JVM may have them loaded).
        assertIntact(oldFiles, oldContent);
        assertEquals(oldKey, fileKey(oldFiles.getLast()));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void missingResourcesAreNamed(Kind kind) throws Exception {
        Path root = temp.resolve("cache");
        // Nothing at all: the first file looked for is the OpenMP runtime.
        Path empty = kind == Kind.DIRECTORY ? Files.createDirectories(temp.resolve("empty")) : classPathEntry(kind, Map.of());
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> extract(root, empty));
        String m = e.getMessage();
        assertTrue(m.contains("linux-x86_64"), m);
        assertTrue(m.contains(DIR + GOMP), m);
        assertTrue(m.contains(NativeLibrary.PATH_PROPERTY), m);
        assertTrue(m.contains("mobilenetj.dnnl.library"), m);

        // Only the OpenMP runtime: oneDNN itself is reported.
        Map<String, byte[]> onlyGomp = new LinkedHashMap<>();
        onlyGomp.put(GOMP, bytes(5, 100));
        Path partial = classPathEntry(kind, onlyGomp);
        NativeLibraryException e2 = assertThrows(NativeLibraryException.class, () -> extract(root, partial));
        String m2 = e2.getMessage();
        assertTrue(m2.contains("linux-x86_64"), m2);
        assertTrue(m2.contains(DIR + DNNL), m2);
        assertTrue(m2.contains("mobilenetj.dnnl.library"), m2);
    }

    @Test
    void otherPlatformsAreLookedForInTheirOwnDirectory() throws Exception {
        Path entry = classPathEntry(Kind.DIRECTORY, natives(6)); // linux-x86_64 only
        try (URLClassLoader loader = loader(entry)) {
            NativeLibraryException e = assertThrows(NativeLibraryException.class,
                    () -> new NativeCache(temp.resolve("cache"), loader).extract(Platform.MACOSX_ARM64));
            assertTrue(e.getMessage().contains("org/bytedeco/dnnl/macosx-arm64/libomp.dylib"), e.getMessage());
            assertTrue(e.getMessage().contains("macosx-arm64"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void eightThreadsExtractConcurrently(Kind kind) throws Exception {
        Map<String, byte[]> content = natives(7);
        Path entry = classPathEntry(kind, content);
        Path root = temp.resolve("cache");
        int threads = 8;
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (URLClassLoader shared = loader(entry)) {
            List<Future<List<Path>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                boolean ownLoader = t % 2 == 0;
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    if (ownLoader) {
                        return extract(root, entry);
                    }
                    return new NativeCache(root, shared).extract(PLATFORM);
                }));
            }
            ready.await();
            go.countDown();
            List<Path> first = null;
            for (Future<List<Path>> f : results) {
                List<Path> files = f.get(60, TimeUnit.SECONDS);
                if (first == null) {
                    first = files;
                }
                assertEquals(first, files, "every thread must get the same files");
            }
            assertIntact(first, content);
            assertNoLeftovers(first.getFirst().getParent());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoJvmsExtractConcurrently(Kind kind) throws Exception {
        Map<String, byte[]> content = natives(8);
        Path entry = classPathEntry(kind, content);
        Path root = temp.resolve("cache-jvms");
        String javaCommand = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = String.join(File.pathSeparator, System.getProperty("java.class.path"),
                codeSource(NativeCacheChild.class), codeSource(NativeCache.class));

        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                processes.add(new ProcessBuilder(javaCommand, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                        NativeCacheChild.class.getName(), root.toString(), entry.toString())
                        .redirectErrorStream(true).start());
            }
            // Both JVMs are up and blocked on stdin: release them together.
            for (Process p : processes) {
                try (OutputStream stdin = p.getOutputStream()) {
                    stdin.write("go\n".getBytes(StandardCharsets.UTF_8));
                }
            }
            List<List<Path>> reported = new ArrayList<>();
            for (Process p : processes) {
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish: " + output);
                assertEquals(0, p.exitValue(), "child JVM failed:\n" + output);
                List<Path> files = output.lines().filter(l -> l.startsWith("FILE ")).map(l -> Path.of(l.substring(5))).toList();
                assertEquals(2, files.size(), output);
                reported.add(files);
            }
            assertEquals(reported.get(0), reported.get(1), "both JVMs must use the same files");
            assertIntact(reported.get(0), content);
            assertNoLeftovers(reported.get(0).getFirst().getParent());
            // And this JVM agrees with what they left behind, without rewriting it.
            Object key = fileKey(reported.get(0).getLast());
            List<Path> mine = extract(root, entry);
            assertEquals(reported.get(0), mine.stream().map(Path::toAbsolutePath).toList());
            assertEquals(key, fileKey(mine.getLast()));
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
            }
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    // ---------------------------------------------------------------- the real loader

    @Test
    @Tag("arm64")
    void realLoaderLoadsOnceFromTheCache() {
        NativeLibrary.Loaded first = NativeLibrary.load();
        NativeLibrary.Loaded second = NativeLibrary.load();
        assertSame(first, second, "load() must load once and return the same result");
        for (Path p : first.files()) {
            assertTrue(Files.isRegularFile(p), p + " is not a file");
        }
        assertEquals(first.files().getLast(), first.library());
        assumeFalse(first.overridden(), "oneDNN comes from " + NativeLibrary.PATH_PROPERTY + "/" + NativeLibrary.PATH_ENV);
        Path root = NativeCache.defaultRoot().toAbsolutePath().normalize();
        Platform platform = Platform.current();
        assertEquals(platform.filesInLoadOrder(), first.files().stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : first.files()) {
            Path abs = p.toAbsolutePath().normalize();
            assertTrue(abs.startsWith(root), abs + " is not under the cache root " + root);
            assertTrue(abs.getParent().getFileName().toString().startsWith("dnnl-" + platform.classifier() + "-"), abs.toString());
        }
    }
}
