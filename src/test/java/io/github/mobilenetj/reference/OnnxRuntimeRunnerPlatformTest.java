package io.github.mobilenetj.reference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** The platform folder names under which the ONNX Runtime jar keeps its natives. */
class OnnxRuntimeRunnerPlatformTest {

    @Test
    void platformNames() {
        assertEquals("linux-x64", OnnxRuntimeRunner.ortPlatform("Linux", "amd64"));
        assertEquals("linux-aarch64", OnnxRuntimeRunner.ortPlatform("Linux", "aarch64"));
        assertEquals("osx-aarch64", OnnxRuntimeRunner.ortPlatform("Mac OS X", "aarch64"));
        assertEquals("osx-x64", OnnxRuntimeRunner.ortPlatform("Mac OS X", "x86_64"));
        assertEquals("win-x64", OnnxRuntimeRunner.ortPlatform("Windows 11", "amd64"));
    }

    @Test
    void nativesAreShippedForThisLinuxMachine() {
        // Here (linux-x64) the assumption must hold: a wrong folder name would silently skip every cross-check.
        if (OnnxRuntimeRunner.PLATFORM.equals("linux-x64") || OnnxRuntimeRunner.PLATFORM.equals("linux-aarch64")) {
            assertDoesNotThrow(() -> OnnxRuntimeRunner.assumeNativesShipped());
        }
    }

    @Test
    void aPlatformWithoutNativesSkipsWithItsName() {
        // ONNX Runtime 1.29's jar has no osx-x64 folder: the cross-checks are skipped there, saying why.
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> OnnxRuntimeRunner.assumeNativesShipped("osx-x64"));
        assertTrue(e.getMessage().contains("osx-x64"), e.getMessage());
        assertDoesNotThrow(() -> OnnxRuntimeRunner.assumeNativesShipped("linux-x64"));
        assertDoesNotThrow(() -> OnnxRuntimeRunner.assumeNativesShipped("osx-aarch64"));
        assertDoesNotThrow(() -> OnnxRuntimeRunner.assumeNativesShipped("win-x64"));
    }
}
