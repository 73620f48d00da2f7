package io.github.mobilenetj.cli;

/** oneDNN could not be loaded: exit code 3. */
final class NativeLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NativeLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
