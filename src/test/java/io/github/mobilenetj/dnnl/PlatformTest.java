package io.github.mobilenetj.dnnl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Platform detection from real os.name / os.arch values and the file names of each bundled platform. */
@Tag("arm64")
class PlatformTest {

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @CsvSource({
        "Linux,      amd64,   LINUX_X86_64",
        "Linux,      aarch64, LINUX_ARM64",
        "Mac OS X,   aarch64, MACOSX_ARM64",
        "Mac OS X,   x86_64,  MACOSX_X86_64",
        "Windows 11, amd64,   WINDOWS_X86_64",
        "Windows 10, amd64,   WINDOWS_X86_64",
        "Windows Server 2022, amd64, WINDOWS_X86_64",
    })
    void detectsSupportedPlatforms(String osName, String osArch, Platform expected) {
        assertSame(expected, Platform.detect(osName, osArch));
    }

    @Test
    void linuxX86() {
        Platform p = Platform.detect("Linux", "amd64");
        assertEquals("linux-x86_64", p.classifier());
        assertEquals("org/bytedeco/dnnl/linux-x86_64/", p.resourceDirectory());
        assertEquals("libdnnl.so.3", p.libraryFile());
        assertEquals(List.of("libgomp.so.1"), p.openMpFiles());
        assertEquals(List.of("libgomp.so.1", "libdnnl.so.3"), p.filesInLoadOrder());
    }

    @Test
    void linuxArm() {
        Platform p = Platform.detect("Linux", "aarch64");
        assertEquals("linux-arm64", p.classifier());
        assertEquals("org/bytedeco/dnnl/linux-arm64/", p.resourceDirectory());
        assertEquals("libdnnl.so.3", p.libraryFile());
        assertEquals(List.of("libgomp.so.1"), p.openMpFiles());
        assertEquals(List.of("libgomp.so.1", "libdnnl.so.3"), p.filesInLoadOrder());
    }

    @Test
    void macArm() {
        Platform p = Platform.detect("Mac OS X", "aarch64");
        assertEquals("macosx-arm64", p.classifier());
        assertEquals("org/bytedeco/dnnl/macosx-arm64/", p.resourceDirectory());
        assertEquals("libdnnl.3.dylib", p.libraryFile());
        assertEquals(List.of("libomp.dylib"), p.openMpFiles());
        assertEquals(List.of("libomp.dylib", "libdnnl.3.dylib"), p.filesInLoadOrder());
    }

    @Test
    void macX86() {
        Platform p = Platform.detect("Mac OS X", "x86_64");
        assertEquals("macosx-x86_64", p.classifier());
        assertEquals("org/bytedeco/dnnl/macosx-x86_64/", p.resourceDirectory());
        assertEquals("libdnnl.3.dylib", p.libraryFile());
        assertEquals(List.of("libiomp5.dylib"), p.openMpFiles());
        assertEquals(List.of("libiomp5.dylib", "libdnnl.3.dylib"), p.filesInLoadOrder());
    }

    @Test
    void windows() {
        Platform p = Platform.detect("Windows 11", "amd64");
        assertEquals("windows-x86_64", p.classifier());
        assertEquals("org/bytedeco/dnnl/windows-x86_64/", p.resourceDirectory());
        assertEquals("dnnl.dll", p.libraryFile());
        assertEquals(List.of(), p.openMpFiles());
        assertEquals(List.of("dnnl.dll"), p.filesInLoadOrder());
    }

    @Test
    void classifiersAreDistinctAndMatchResourceDirectories() {
        assertEquals(5, Platform.values().length);
        assertEquals(5, java.util.Arrays.stream(Platform.values()).map(Platform::classifier).distinct().count());
        for (Platform p : Platform.values()) {
            assertEquals("org/bytedeco/dnnl/" + p.classifier() + "/", p.resourceDirectory());
            assertEquals(p.libraryFile(), p.filesInLoadOrder().getLast(), p + ": oneDNN must be loaded last");
        }
    }

    @Test
    void currentMatchesSystemProperties() {
        assertSame(Platform.detect(System.getProperty("os.name"), System.getProperty("os.arch")), Platform.current());
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({
        "FreeBSD, amd64",
        "Linux,   riscv64",
        "Windows, aarch64",
        "SunOS,   sparcv9",
        "Linux,   x86",
    })
    void unsupportedPlatformsAreNamed(String osName, String osArch) {
        UnsupportedPlatformException e = assertThrows(UnsupportedPlatformException.class,
                () -> Platform.detect(osName, osArch));
        String m = e.getMessage();
        assertTrue(m.contains(osName), m);
        assertTrue(m.contains(osArch), m);
        for (Platform p : Platform.values()) {
            assertTrue(m.contains(p.classifier()), "supported list missing " + p.classifier() + ": " + m);
        }
        assertTrue(m.contains("mobilenetj.dnnl.library"), m);
        assertTrue(m.contains(NativeLibrary.PATH_PROPERTY), m);
        // Callers catching the loader's exception type catch this one too.
        assertTrue(e instanceof NativeLibraryException);
    }
}
