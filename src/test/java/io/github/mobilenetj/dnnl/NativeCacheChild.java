package io.github.mobilenetj.dnnl;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link NativeCacheTest}: waits for one line on stdin (the start gate, so
 * that several JVMs extract at the same moment), then extracts the fake linux-x86_64 natives found
 * in the class path entry {@code args[1]} into the cache root {@code args[0]} and prints the paths.
 * Never loads oneDNN itself.
 */
public final class NativeCacheChild {
    private NativeCacheChild() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        URL entry = Path.of(args[1]).toUri().toURL();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {entry}, null)) {
            for (Path file : new NativeCache(root, loader).extract(Platform.LINUX_X86_64)) {
                System.out.println("FILE " + file.toAbsolutePath());
            }
        }
    }
}
