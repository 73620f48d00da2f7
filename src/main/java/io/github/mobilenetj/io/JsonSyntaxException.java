package io.github.mobilenetj.io;

/** JSON text that {@link JsonReader} rejects, with the byte offset of the offending input. */
final class JsonSyntaxException extends Exception {

    private final String reason;
    private final long offset;

    JsonSyntaxException(String reason, long offset) {
        super(reason + " at offset " + offset);
        this.reason = reason;
        this.offset = offset;
    }

    /** What is wrong, without the offset. */
    String reason() {
        return reason;
    }

    /** The byte offset in the parsed input at which the problem was found. */
    long offset() {
        return offset;
    }
}
