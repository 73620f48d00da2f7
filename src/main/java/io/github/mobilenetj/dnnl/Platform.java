package io.github.mobilenetj.dnnl;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The five platforms whose oneDNN natives ship in {@code org.bytedeco:dnnl:<version>:<classifier>},
 * with where each file sits inside that jar, and what else the library needs from the system.
 */
public enum Platform {
    LINUX_X86_64("linux-x86_64", "libdnnl.so.3", List.of("libgomp.so.1"), List.of(), Optional.empty()),
    LINUX_ARM64("linux-arm64", "libdnnl.so.3", List.of("libgomp.so.1"), List.of(), Optional.empty()),
    MACOSX_ARM64("macosx-arm64", "libdnnl.3.dylib", List.of("libomp.dylib"), List.of(), Optional.empty()),
    MACOSX_X86_64("macosx-x86_64", "libdnnl.3.dylib", List.of("libiomp5.dylib"), List.of(), Optional.empty()),
    /**
     * {@code dnnl.dll} is built with MSVC 14.44 and imports (checked with {@code objdump -p}) the
     * MSVC OpenMP runtime {@code VCOMP140.DLL}, {@code MSVCP140.dll}, {@code VCRUNTIME140.dll},
     * {@code VCRUNTIME140_1.dll} and the Universal C Runtime ({@code api-ms-win-crt-*}, part of
     * Windows 10 and later). The JDK's {@code bin} directory carries {@code msvcp140.dll} and the two
     * {@code vcruntime140} DLLs, and Windows looks there first; {@code vcomp140.dll} comes only with
     * the Visual C++ Redistributable, or from the jar {@code org.bytedeco:javacpp:<v>:windows-x86_64}
     * when that is on the class path. {@code OpenCL.dll} is not imported: oneDNN loads it at run
     * time only for a GPU engine, which this library never creates.
     */
    WINDOWS_X86_64("windows-x86_64", "dnnl.dll", List.of(),
            List.of("vcomp140", "msvcp140", "vcruntime140", "vcruntime140_1"),
            Optional.of(new BundledRuntime("org.bytedeco:javacpp:1.5.14:windows-x86_64",
                    "org/bytedeco/javacpp/windows-x86_64/", List.of("vcomp140.dll"))));

    /**
     * System libraries that can optionally come from another jar on the class path instead: when
     * {@link #resourceDirectory()} of that jar holds {@link #files()}, they are extracted with
     * oneDNN and loaded from the cache; otherwise they are loaded from the system by name.
     *
     * @param artifact the Maven coordinates of the jar that carries them, for messages
     */
    public record BundledRuntime(String artifact, String resourceDirectory, List<String> files) {
        public BundledRuntime {
            files = List.copyOf(files);
        }
    }

    /** Where to get the Microsoft Visual C++ runtime, for messages. */
    static final String VC_REDIST_URL = "https://aka.ms/vs/17/release/vc_redist.x64.exe";

    private final String classifier;
    private final String libraryFile;
    private final List<String> openMpFiles;
    private final List<String> systemLibraries;
    private final Optional<BundledRuntime> bundledRuntime;

    Platform(String classifier, String libraryFile, List<String> openMpFiles, List<String> systemLibraries,
            Optional<BundledRuntime> bundledRuntime) {
        this.classifier = classifier;
        this.libraryFile = libraryFile;
        this.openMpFiles = openMpFiles;
        this.systemLibraries = systemLibraries;
        this.bundledRuntime = bundledRuntime;
    }

    /** The Maven classifier of the jar that carries this platform's natives. */
    public String classifier() {
        return classifier;
    }

    /** File name of the oneDNN shared library. */
    public String libraryFile() {
        return libraryFile;
    }

    /** The OpenMP runtime files shipped beside it, loaded first. */
    public List<String> openMpFiles() {
        return openMpFiles;
    }

    /**
     * Libraries oneDNN needs that its jar does not carry and that the loader loads from the system by
     * name ({@link System#loadLibrary}) before oneDNN, first the OpenMP runtime; empty where the jar
     * carries everything. On Windows the OpenMP runtime must be loaded this way (or from
     * {@link #bundledRuntime()}) for {@code omp_set_num_threads} to be found at all: Windows looks
     * a symbol up only in the DLL asked, not in the DLLs it imports.
     */
    public List<String> systemLibraries() {
        return systemLibraries;
    }

    /** Where some of {@link #systemLibraries()} can come from instead, if anywhere. */
    public Optional<BundledRuntime> bundledRuntime() {
        return bundledRuntime;
    }

    /** Directory of this platform's natives inside the jar. */
    public String resourceDirectory() {
        return "org/bytedeco/dnnl/" + classifier + "/";
    }

    /** Files to extract, in load order: the OpenMP runtime, then oneDNN. */
    public List<String> filesInLoadOrder() {
        return java.util.stream.Stream.concat(openMpFiles.stream(), java.util.stream.Stream.of(libraryFile)).toList();
    }

    /** The file name the OS gives a library called {@code name} ({@code vcomp140} -> {@code vcomp140.dll}). */
    String mappedLibraryName(String name) {
        return switch (this) {
            case WINDOWS_X86_64 -> name + ".dll";
            case MACOSX_ARM64, MACOSX_X86_64 -> "lib" + name + ".dylib";
            default -> "lib" + name + ".so";
        };
    }

    /**
     * What a missing system library is and where to get it, for error messages: the Visual C++
     * runtime DLLs on Windows; empty when there is nothing specific to say.
     */
    Optional<String> adviceFor(String systemLibrary) {
        if (this != WINDOWS_X86_64) {
            return Optional.empty();
        }
        String lower = systemLibrary.toLowerCase(Locale.ROOT);
        String name = lower.endsWith(".dll") ? lower.substring(0, lower.length() - 4) : lower;
        if (name.startsWith("api-ms-win-crt-") || name.equals("ucrtbase")) {
            return Optional.of(systemLibrary + " belongs to the Universal C Runtime, part of Windows 10 and later"
                    + " (on older Windows: Windows Update KB2999226)");
        }
        String what = switch (name) {
            case "vcomp140" -> "Microsoft's OpenMP runtime";
            case "msvcp140" -> "Microsoft's C++ standard library";
            case "vcruntime140", "vcruntime140_1" -> "Microsoft's C runtime";
            default -> null;
        };
        if (what == null) {
            return Optional.empty();
        }
        StringBuilder advice = new StringBuilder(mappedLibraryName(name)).append(" (").append(what)
                .append(") comes with the Microsoft Visual C++ 2015-2022 Redistributable (x64): install it from ")
                .append(VC_REDIST_URL);
        bundledRuntime.filter(b -> b.files().contains(name + ".dll")).ifPresent(b -> advice
                .append(", or put ").append(b.artifact()).append(" on the class path, which carries ").append(name)
                .append(".dll"));
        return Optional.of(advice.toString());
    }

    /** The platform this JVM runs on. */
    public static Platform current() {
        return detect(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /**
     * Maps {@code os.name} and {@code os.arch} values to a platform.
     *
     * @throws UnsupportedPlatformException naming the platform and how to use an installed oneDNN instead
     */
    public static Platform detect(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x86 = Dnnl.isX86_64(arch);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        if (os.startsWith("linux")) {
            if (x86) return LINUX_X86_64;
            if (arm) return LINUX_ARM64;
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            if (x86) return MACOSX_X86_64;
            if (arm) return MACOSX_ARM64;
        } else if (os.startsWith("windows")) {
            if (x86) return WINDOWS_X86_64;
        }
        throw new UnsupportedPlatformException(osName, osArch);
    }
}
