package io.github.mobilenetj.cli;

/** A mistake in the command line: reported as one line, exit code 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
