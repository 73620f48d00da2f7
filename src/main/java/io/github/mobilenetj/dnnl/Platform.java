package io.github.mobilenetj.dnnl;

import java.util.List;
import java.util.Locale;

/**
 * The five platforms whose oneDNN natives ship in {@code org.bytedeco:dnnl:<version>:<classifier>},
 * with where each file sits inside that jar.
 */
public enum Platform {
    LINUX_X86_64("linux-x86_64", "libdnnl.so.3", List.of("libgomp.so.1")),
    LINUX_ARM64("linux-arm64", "libdnnl.so.3", List.of("libgomp.so.1")),
    MACOSX_ARM64("macosx-arm64", "libdnnl.3.dylib", List.of("libomp.dylib")),
    MACOSX_X86_64("macosx-x86_64", "libdnnl.3.dylib", List.of("libiomp5.dylib")),
    /** dnnl.dll uses the MSVC OpenMP runtime (vcomp140.dll) installed with the Visual C++ redistributable. */
    WINDOWS_X86_64("windows-x86_64", "dnnl.dll", List.of());

    private final String classifier;
    private final String libraryFile;
    private final List<String> openMpFiles;

    Platform(String classifier, String libraryFile, List<String> openMpFiles) {
        this.classifier = classifier;
        this.libraryFile = libraryFile;
        this.openMpFiles = openMpFiles;
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

    /** Directory of this platform's natives inside the jar. */
    public String resourceDirectory() {
        return "org/bytedeco/dnnl/" + classifier + "/";
    }

    /** Files to extract, in load order: the OpenMP runtime, then oneDNN. */
    public List<String> filesInLoadOrder() {
        return java.util.stream.Stream.concat(openMpFiles.stream(), java.util.stream.Stream.of(libraryFile)).toList();
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
