package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An intact, pre-populated natives cache on a path the process cannot write (a container image
 * layer, a read-only mount) must be usable as it is: verified, never locked or written. Only a
 * cache that needs repair may fail there, and then with a message naming the directory.
 */
class ReadOnlyCacheTest {

    private static final String DIR = "org/bytedeco/dnnl/linux-x86_64/";

    @TempDir
    Path temp;

    private Path classPath() throws IOException {
        Path root = temp.resolve("classes");
        Files.createDirectories(root.resolve(DIR));
        byte[] gomp = new byte[10_000];
        byte[] dnnl = new byte[100_000];
        new SplittableRandom(1).nextBytes(gomp);
        new SplittableRandom(2).nextBytes(dnnl);
        Files.write(root.resolve(DIR + "libgomp.so.1"), gomp);
        Files.write(root.resolve(DIR + "libdnnl.so.3"), dnnl);
        return root;
    }

    private static List<Path> extract(Path cacheRoot, Path classPath) throws IOException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classPath.toUri().toURL()}, null)) {
            return new NativeCache(cacheRoot, loader).extract(Platform.LINUX_X86_64);
        }
    }

    /** Copies a populated cache root into a zip file system, recursively. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void intactCacheOnAReadOnlyFileSystemIsUsedAsItIs() throws Exception {
        Path classes = classPath();
        Path populated = temp.resolve("populated");
        List<Path> original = extract(populated, classes);
        // The same cache inside a zip file system opened read-only: every write throws.
        Path zip = temp.resolve("layer.zip");
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            copyTree(populated, fs.getPath("/cache"));
        }
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("accessMode", "readOnly"))) {
            assertTrue(fs.isReadOnly());
            Path root = fs.getPath("/cache");
            List<Path> files = extract(root, classes);
            assertEquals(original.stream().map(p -> p.getFileName().toString()).toList(),
                    files.stream().map(p -> p.getFileName().toString()).toList());
            for (int i = 0; i < files.size(); i++) {
                assertEquals(original.get(i).getParent().getFileName().toString(), files.get(i).getParent().getFileName().toString());
                assertArrayEquals(Files.readAllBytes(original.get(i)), Files.readAllBytes(files.get(i)));
            }
        }
    }

    @Test
    void aDamagedCacheOnAReadOnlyFileSystemIsReportedWithItsDirectory() throws Exception {
        Path classes = classPath();
        Path populated = temp.resolve("populated");
        List<Path> original = extract(populated, classes);
        Files.write(original.getLast(), new byte[] {1, 2, 3}); // truncated: needs rewriting
        Path zip = temp.resolve("damaged.zip");
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            copyTree(populated, fs.getPath("/cache"));
        }
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("accessMode", "readOnly"))) {
            IOException e = assertThrows(IOException.class, () -> extract(fs.getPath("/cache"), classes));
            assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains("dnnl-linux-x86_64-"), e.getMessage());
        }
    }

    /**
     * The same on a real directory tree, lock file included (the cache a first run left behind):
     * not writable for a normal user (modes 555/444), immutable for root ({@code chattr -R +i},
     * which gives the "Operation not permitted" a read-only container layer gives).
     */
    @Test
    void intactCacheInAnUnwritableDirectoryIsUsedAsItIs() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "POSIX modes and chattr: Linux only");
        Path classes = classPath();
        Path root = temp.resolve("cache");
        List<Path> original = extract(root, classes);
        Path dir = original.getFirst().getParent();
        assertTrue(Files.exists(dir.resolve(".lock")), "a populated cache has its lock file");
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        boolean locked = false;
        try {
            if (asRoot) {
                locked = run("chattr", "-R", "+i", root.toString());
                assumeTrue(locked, "chattr +i is not available or not permitted here");
            } else {
                setModes(root, "r--r--r--", "r-xr-xr-x");
                locked = true;
            }
            assertThrows(IOException.class, () -> Files.createFile(dir.resolve("probe")), "the directory must be unwritable");
            assertThrows(IOException.class, () -> Files.write(dir.resolve(".lock"), new byte[1]), "the lock file must be unwritable");
            List<Path> again = extract(root, classes);
            assertEquals(original, again);
        } finally {
            if (asRoot) {
                run("chattr", "-R", "-i", root.toString());
            } else if (locked) {
                setModes(root, "rw-r--r--", "rwxr-xr-x");
            }
        }
    }

    private static void setModes(Path root, String file, String directory) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? directory : file));
            }
        }
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
