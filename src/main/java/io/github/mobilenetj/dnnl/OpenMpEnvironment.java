package io.github.mobilenetj.dnnl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The OpenMP wait policy, chosen before oneDNN's OpenMP runtime is loaded.
 *
 * <p>An OpenMP runtime reads its settings from the environment once, when it is loaded. libgomp's
 * default (no {@code OMP_WAIT_POLICY}) lets a thread that waits at a barrier spin for up to 300,000
 * {@code pause} instructions, several milliseconds on current x86 cores, before it sleeps. oneDNN
 * crosses a barrier after every primitive, about 30 per MobileNetV1 inference; when other threads
 * or processes compete for the cores, a session of two or more threads spends its time spinning
 * while the thread it waits for is not scheduled: measured on a 2-core machine under load, 1.0-224
 * at 2 threads fell from 50-90 to 1-3 images/s, and even 1,000 spins cost a factor of 4 against
 * sleeping at once (server/RESULTS.md, section 1). So unless the user chose, the library asks for
 * {@code OMP_WAIT_POLICY=PASSIVE} (libgomp, LLVM's libomp and Intel's libiomp5 all read it), at
 * the price of a wake-up per barrier on an otherwise idle machine (a few microseconds; up to 1.7x
 * for the smallest models at 2 threads, bench/RESULTS.md). Single-threaded sessions form no team
 * and are unaffected.
 *
 * <p>The user decides with the system property {@value #PROPERTY}: {@code passive} (the default),
 * {@code active}, or {@code default} (leave the runtime's own default). A policy already in the
 * environment ({@code OMP_WAIT_POLICY}, {@code GOMP_SPINCOUNT}, {@code KMP_BLOCKTIME} or
 * {@code KMP_LIBRARY}) always wins; so does an OpenMP runtime already loaded into the process by
 * someone else, whose settings were fixed when it loaded. On Windows the MSVC runtime
 * ({@code vcomp140}) is left alone.
 *
 * <p>The variable is set with the C library's {@code setenv(name, value, 0)}, once, before the
 * runtime is loaded (the first model build or {@link NativeLibrary#load()}). {@code setenv} is not
 * safe against a concurrent {@code getenv} on another thread in every C library; the JVM itself
 * does not call it there, and other native code that does should start after the first model is
 * built, or the user sets the policy in the environment.
 */
final class OpenMpEnvironment {

    /** System property: {@code passive} (default), {@code active} or {@code default}. */
    static final String PROPERTY = "mobilenetj.openmp.waitPolicy";
    /** The variable the library sets. */
    static final String VARIABLE = "OMP_WAIT_POLICY";
    /** Variables by which a user has already chosen how OpenMP threads wait. */
    static final List<String> USER_CHOICES = List.of(VARIABLE, "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "KMP_LIBRARY");

    private OpenMpEnvironment() {
    }

    /** Sets an environment variable without overwriting; returns the C library's result (0 on success). */
    interface Setter {
        int setenv(String name, String value);
    }

    /**
     * Chooses and, if needed, sets the wait policy.
     *
     * @param platform the platform whose runtime is about to load, or null when unknown
     * @param property the value of {@value #PROPERTY}, or null
     * @param environment reads the process environment
     * @param loadedRuntime an OpenMP runtime already mapped into the process, if any
     * @param setter sets a variable (not called when nothing is to be set)
     * @return what is in effect, for {@code NativeRuntime}, e.g. {@code OMP_WAIT_POLICY=PASSIVE (set by mobilenetj)}
     * @throws IllegalArgumentException if {@code property} is not one of the three values
     */
    static String apply(Platform platform, String property, Function<String, String> environment,
            Optional<String> loadedRuntime, Setter setter) {
        String wanted = property == null || property.isBlank() ? "passive" : property.trim().toLowerCase(Locale.ROOT);
        if (!List.of("passive", "active", "default").contains(wanted)) {
            throw new IllegalArgumentException("system property " + PROPERTY + " = '" + property
                    + "' is not passive, active or default");
        }
        for (String name : USER_CHOICES) {
            String value = environment.apply(name);
            if (value != null && !value.isEmpty()) {
                return name + "=" + value + " (from the environment)";
            }
        }
        if (loadedRuntime.isPresent()) {
            return "the settings of " + loadedRuntime.get() + ", loaded before mobilenetj (" + VARIABLE
                    + " is read when the runtime loads)";
        }
        if (platform == Platform.WINDOWS_X86_64) {
            return "the MSVC OpenMP runtime's default";
        }
        if (wanted.equals("default")) {
            return "the OpenMP runtime's default (-D" + PROPERTY + "=default)";
        }
        String value = wanted.toUpperCase(Locale.ROOT);
        int rc = setter.setenv(VARIABLE, value);
        if (rc != 0) {
            return "the OpenMP runtime's default (setenv(" + VARIABLE + ") failed)";
        }
        return VARIABLE + "=" + value + " (set by mobilenetj" + (property == null ? "; -D" + PROPERTY
                + "=active|default to change" : "") + ")";
    }

    /** On Linux, an OpenMP runtime already mapped into this process (from {@code /proc/self/maps}). */
    static Optional<String> loadedRuntime() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> {
                        String file = p.substring(p.lastIndexOf('/') + 1);
                        return file.startsWith("libgomp") || file.startsWith("libiomp") || file.startsWith("libomp.");
                    })
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code int setenv(const char *name, const char *value, int overwrite)} with overwrite 0. */
    static int setenv(String name, String value) {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find("setenv");
        if (symbol.isEmpty()) {
            return -1;
        }
        MethodHandle handle = linker.downcallHandle(symbol.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            return (int) handle.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
        } catch (Throwable t) {
            return -1;
        }
    }
}
