package io.github.mobilenetj.dnnl;

import java.util.Arrays;
import java.util.stream.Collectors;

/** No bundled oneDNN exists for this OS and CPU architecture. */
public final class UnsupportedPlatformException extends NativeLibraryException {
    private static final long serialVersionUID = 1L;

    UnsupportedPlatformException(String osName, String osArch) {
        super("no bundled oneDNN for os.name=\"" + osName + "\", os.arch=\"" + osArch + "\"; bundled platforms are "
                + Arrays.stream(Platform.values()).map(Platform::classifier).collect(Collectors.joining(", "))
                + ". " + NativeLibrary.OVERRIDE_HINT);
    }
}
