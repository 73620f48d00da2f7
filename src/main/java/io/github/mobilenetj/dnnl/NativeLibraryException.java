package io.github.mobilenetj.dnnl;

/** The oneDNN native library could not be found, extracted or loaded. */
public class NativeLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
