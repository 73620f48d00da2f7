package io.github.mobilenetj.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict pull parser for one RFC 8259 JSON document held as UTF-8 bytes.
 *
 * <p>The caller walks the document with {@link #peek()} and the {@code begin…}/{@code end…}/{@code next…}
 * methods, so it can check the structure it expects as it goes instead of building a tree first. Nothing
 * outside the grammar is accepted: no comments, trailing commas, leading zeros, unescaped control
 * characters, unpaired surrogate escapes, invalid UTF-8, or data after the top-level value. Nesting is
 * limited and handled without recursion, so hostile input cannot exhaust the stack; integers that do not
 * fit in a {@code long} are rejected rather than rounded. Every error carries the byte offset at which it
 * was found.
 */
final class JsonReader {

    /** The kinds of token the reader can be positioned at. */
    enum Token {
        BEGIN_OBJECT("an object"),
        END_OBJECT("'}'"),
        BEGIN_ARRAY("an array"),
        END_ARRAY("']'"),
        NAME("a key"),
        STRING("a string"),
        NUMBER("a number"),
        BOOLEAN("a boolean"),
        NULL("null"),
        END_DOCUMENT("the end of the input");

        private final String description;

        Token(String description) {
            this.description = description;
        }

        /** A phrase for error messages, such as "an array". */
        String description() {
            return description;
        }
    }

    /** Deep enough for any sane document; shallow enough that skipping cannot take long per level. */
    static final int DEFAULT_MAX_DEPTH = 64;

    // What the reader expects next, per open container (plus the document itself at depth 0).
    private static final int EMPTY_DOCUMENT = 0;
    private static final int NONEMPTY_DOCUMENT = 1;
    private static final int EMPTY_ARRAY = 2;
    private static final int NONEMPTY_ARRAY = 3;
    private static final int EMPTY_OBJECT = 4;
    private static final int NONEMPTY_OBJECT = 5;
    private static final int DANGLING_NAME = 6;

    /** Strings up to this many bytes go through {@link #shortString}. */
    private static final int MAX_CACHED_LENGTH = 16;

    private final byte[] in;
    private final String[] shortStrings = new String[64];
    private final int maxDepth;
    private final int[] scopes;
    private int depth;
    private int pos;
    private Token peeked;
    private int tokenStart;

    /**
     * Creates a reader over the whole array, which it neither copies nor modifies.
     *
     * @throws JsonSyntaxException if the bytes are not valid UTF-8
     */
    JsonReader(byte[] utf8) throws JsonSyntaxException {
        this(utf8, DEFAULT_MAX_DEPTH);
    }

    /**
     * Creates a reader that allows at most {@code maxDepth} nested objects and arrays.
     *
     * @throws JsonSyntaxException if the bytes are not valid UTF-8
     */
    JsonReader(byte[] utf8, int maxDepth) throws JsonSyntaxException {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be positive: " + maxDepth);
        }
        this.in = utf8;
        this.maxDepth = maxDepth;
        this.scopes = new int[maxDepth + 1];
        this.scopes[0] = EMPTY_DOCUMENT;
        checkUtf8(utf8);
    }

    /**
     * Returns the kind of the next token without consuming it. Separators ({@code , :}) are consumed and
     * checked here.
     */
    Token peek() throws JsonSyntaxException {
        if (peeked != null) {
            return peeked;
        }
        int scope = scopes[depth];
        switch (scope) {
            case EMPTY_DOCUMENT -> {
                scopes[depth] = NONEMPTY_DOCUMENT;
                skipWhitespace();
            }
            case NONEMPTY_DOCUMENT -> {
                if (skipWhitespace() == -1) {
                    return token(Token.END_DOCUMENT);
                }
                throw error("unexpected data after the top-level value", pos);
            }
            case EMPTY_ARRAY, NONEMPTY_ARRAY -> {
                int c = skipWhitespace();
                if (c == ']') {
                    return token(Token.END_ARRAY);
                }
                if (scope == NONEMPTY_ARRAY) {
                    expectSeparator(c, ',', "',' or ']'");
                    skipWhitespace();
                }
                scopes[depth] = NONEMPTY_ARRAY;
            }
            case EMPTY_OBJECT, NONEMPTY_OBJECT -> {
                int c = skipWhitespace();
                if (c == '}') {
                    return token(Token.END_OBJECT);
                }
                if (scope == NONEMPTY_OBJECT) {
                    expectSeparator(c, ',', "',' or '}'");
                    c = skipWhitespace();
                }
                if (c != '"') {
                    throw error("expected a string key but found " + describeByte(c), pos);
                }
                scopes[depth] = DANGLING_NAME;
                return token(Token.NAME);
            }
            case DANGLING_NAME -> {
                expectSeparator(skipWhitespace(), ':', "':'");
                skipWhitespace();
                scopes[depth] = NONEMPTY_OBJECT;
            }
            default -> throw new IllegalStateException("corrupt scope " + scope);
        }
        return token(valueToken());
    }

    /** Returns whether the current object or array has another member. */
    boolean hasNext() throws JsonSyntaxException {
        Token next = peek();
        return next != Token.END_OBJECT && next != Token.END_ARRAY && next != Token.END_DOCUMENT;
    }

    /** Returns the byte offset at which the next token starts. */
    long tokenOffset() throws JsonSyntaxException {
        peek();
        return tokenStart;
    }

    void beginObject() throws JsonSyntaxException {
        consume(Token.BEGIN_OBJECT);
        push(EMPTY_OBJECT);
    }

    void endObject() throws JsonSyntaxException {
        consume(Token.END_OBJECT);
        depth--;
    }

    void beginArray() throws JsonSyntaxException {
        consume(Token.BEGIN_ARRAY);
        push(EMPTY_ARRAY);
    }

    void endArray() throws JsonSyntaxException {
        consume(Token.END_ARRAY);
        depth--;
    }

    /** Checks that nothing but whitespace follows the top-level value. */
    void endDocument() throws JsonSyntaxException {
        expect(Token.END_DOCUMENT);
    }

    String nextName() throws JsonSyntaxException {
        expect(Token.NAME);
        return readString();
    }

    String nextString() throws JsonSyntaxException {
        expect(Token.STRING);
        return readString();
    }

    boolean nextBoolean() throws JsonSyntaxException {
        expect(Token.BOOLEAN);
        if (matchLiteral("true")) {
            return true;
        }
        if (matchLiteral("false")) {
            return false;
        }
        throw error("invalid literal", pos);
    }

    void nextNull() throws JsonSyntaxException {
        expect(Token.NULL);
        if (!matchLiteral("null")) {
            throw error("invalid literal", pos);
        }
    }

    /** Reads a number: a {@link Long} if it has no fraction or exponent, a {@link Double} otherwise. */
    Number nextNumber() throws JsonSyntaxException {
        expect(Token.NUMBER);
        return readNumber();
    }

    /** Reads a number that must be an integer (no fraction or exponent) within the range of a long. */
    long nextLong() throws JsonSyntaxException {
        expect(Token.NUMBER);
        int start = pos;
        if (readNumber() instanceof Long value) {
            return value;
        }
        throw error("expected an integer but found " + excerpt(start, pos), start);
    }

    /** Skips the next value, nested ones included, still checking its syntax. */
    void skipValue() throws JsonSyntaxException {
        int level = 0;
        do {
            switch (peek()) {
                case BEGIN_OBJECT -> {
                    beginObject();
                    level++;
                }
                case BEGIN_ARRAY -> {
                    beginArray();
                    level++;
                }
                case END_OBJECT -> {
                    endObject();
                    level--;
                }
                case END_ARRAY -> {
                    endArray();
                    level--;
                }
                case NAME -> nextName();
                case STRING -> nextString();
                case NUMBER -> nextNumber();
                case BOOLEAN -> nextBoolean();
                case NULL -> nextNull();
                case END_DOCUMENT -> throw error("expected a value but found the end of the input", pos);
            }
        } while (level > 0);
    }

    private Token token(Token token) {
        tokenStart = pos;
        peeked = token;
        return token;
    }

    private Token valueToken() throws JsonSyntaxException {
        int c = current();
        return switch (c) {
            case '{' -> Token.BEGIN_OBJECT;
            case '[' -> Token.BEGIN_ARRAY;
            case '"' -> Token.STRING;
            case 't', 'f' -> Token.BOOLEAN;
            case 'n' -> Token.NULL;
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> Token.NUMBER;
            default -> throw error("expected a value but found " + describeByte(c), pos);
        };
    }

    /** Checks that the next token is {@code wanted} and marks it consumed; the caller reads its bytes. */
    private void expect(Token wanted) throws JsonSyntaxException {
        Token actual = peek();
        if (actual != wanted) {
            throw error("expected " + wanted.description() + " but found " + actual.description(), tokenStart);
        }
        peeked = null;
    }

    /** Like {@link #expect} for one-byte tokens, which it also steps over. */
    private void consume(Token wanted) throws JsonSyntaxException {
        expect(wanted);
        pos++;
    }

    private void push(int scope) throws JsonSyntaxException {
        if (depth == maxDepth) {
            throw error("nesting deeper than " + maxDepth + " levels", pos - 1);
        }
        scopes[++depth] = scope;
    }

    private void expectSeparator(int c, char separator, String what) throws JsonSyntaxException {
        if (c != separator) {
            throw error("expected " + what + " but found " + describeByte(c), pos);
        }
        pos++;
    }

    /** Steps over whitespace and returns the byte there, or -1 at the end of the input. */
    private int skipWhitespace() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                break;
            }
            pos++;
        }
        return current();
    }

    private int current() {
        return pos < in.length ? in[pos] & 0xFF : -1;
    }

    private boolean matchLiteral(String literal) {
        int length = literal.length();
        if (in.length - pos < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (in[pos + i] != literal.charAt(i)) {
                return false;
            }
        }
        pos += length;
        return true;
    }

    /** Reads the string whose opening quote is at {@code pos}. The input is known to be valid UTF-8. */
    private String readString() throws JsonSyntaxException {
        int quote = pos++;
        StringBuilder escaped = null;
        int runStart = pos;
        while (true) {
            if (pos >= in.length) {
                throw error("unterminated string", quote);
            }
            int c = in[pos] & 0xFF;
            if (c == '"') {
                int length = pos - runStart;
                String run = escaped == null && length <= MAX_CACHED_LENGTH ? shortString(runStart, length)
                        : new String(in, runStart, length, StandardCharsets.UTF_8);
                pos++;
                return escaped == null ? run : escaped.append(run).toString();
            }
            if (c < 0x20) {
                throw error(String.format("unescaped control character 0x%02x in a string", c), pos);
            }
            if (c == '\\') {
                if (escaped == null) {
                    escaped = new StringBuilder();
                }
                escaped.append(new String(in, runStart, pos - runStart, StandardCharsets.UTF_8));
                readEscape(escaped);
                runStart = pos;
            } else {
                pos++;
            }
        }
    }

    /**
     * A short string without escapes, from a small cache when it holds ASCII: documents repeat the same
     * keys and values ("dtype", "shape", "F32") once per entry, and a header of a hundred thousand
     * entries would otherwise allocate a String for each.
     */
    private String shortString(int start, int length) {
        int hash = 0;
        for (int i = start; i < start + length; i++) {
            byte b = in[i];
            if (b < 0) {
                return new String(in, start, length, StandardCharsets.UTF_8);
            }
            hash = 31 * hash + b;
        }
        int slot = (hash ^ hash >>> 16) & (shortStrings.length - 1);
        String cached = shortStrings[slot];
        if (cached != null && cached.length() == length) {
            boolean same = true;
            for (int i = 0; i < length && same; i++) {
                same = cached.charAt(i) == in[start + i];
            }
            if (same) {
                return cached;
            }
        }
        String made = new String(in, start, length, StandardCharsets.US_ASCII);
        shortStrings[slot] = made;
        return made;
    }

    /** Appends the character(s) of the escape sequence at {@code pos}, which holds its backslash. */
    private void readEscape(StringBuilder out) throws JsonSyntaxException {
        int start = pos++;
        if (pos >= in.length) {
            throw error("unterminated escape sequence", start);
        }
        int c = in[pos++] & 0xFF;
        switch (c) {
            case '"' -> out.append('"');
            case '\\' -> out.append('\\');
            case '/' -> out.append('/');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
                char unit = readHex4(start);
                if (Character.isHighSurrogate(unit)) {
                    int lowStart = pos;
                    if (!matchLiteral("\\u")) {
                        throw error("unpaired surrogate \\u" + hex(unit), start);
                    }
                    char low = readHex4(lowStart);
                    if (!Character.isLowSurrogate(low)) {
                        throw error("unpaired surrogate \\u" + hex(unit), start);
                    }
                    out.append(unit).append(low);
                } else if (Character.isLowSurrogate(unit)) {
                    throw error("unpaired surrogate \\u" + hex(unit), start);
                } else {
                    out.append(unit);
                }
            }
            default -> throw error("invalid escape character " + describeChar(c) + " after '\\'", start);
        }
    }

    private char readHex4(int escapeStart) throws JsonSyntaxException {
        if (in.length - pos < 4) {
            throw error("truncated \\u escape", escapeStart);
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(in[pos + i], 16);
            if (digit < 0) {
                throw error("invalid \\u escape: expected 4 hex digits", escapeStart);
            }
            value = value << 4 | digit;
        }
        pos += 4;
        return (char) value;
    }

    /** Reads the number at {@code pos} following the RFC 8259 grammar exactly. */
    private Number readNumber() throws JsonSyntaxException {
        int start = pos;
        boolean negative = current() == '-';
        if (negative) {
            pos++;
        }
        int digitsStart = pos;
        if (!isDigit(current())) {
            throw error("invalid number: expected a digit", pos);
        }
        if (current() == '0') {
            pos++;
            if (isDigit(current())) {
                throw error("invalid number: leading zeros are not allowed", start);
            }
        } else {
            skipDigits();
        }
        int digitsEnd = pos;
        boolean integral = true;
        if (current() == '.') {
            pos++;
            if (!isDigit(current())) {
                throw error("invalid number: expected a digit after the decimal point", pos);
            }
            skipDigits();
            integral = false;
        }
        if (current() == 'e' || current() == 'E') {
            pos++;
            if (current() == '+' || current() == '-') {
                pos++;
            }
            if (!isDigit(current())) {
                throw error("invalid number: expected a digit in the exponent", pos);
            }
            skipDigits();
            integral = false;
        }
        if (integral) {
            return parseLong(negative, digitsStart, digitsEnd, start);
        }
        double value = Double.parseDouble(new String(in, start, pos - start, StandardCharsets.US_ASCII));
        if (Double.isInfinite(value)) {
            throw error("number " + excerpt(start, pos) + " is out of the range of a double", start);
        }
        return value;
    }

    private long parseLong(boolean negative, int digitsStart, int digitsEnd, int start) throws JsonSyntaxException {
        // Accumulated negatively so that Long.MIN_VALUE, whose magnitude has no positive long, parses.
        long value = 0;
        try {
            for (int i = digitsStart; i < digitsEnd; i++) {
                value = Math.subtractExact(Math.multiplyExact(value, 10), in[i] - '0');
            }
            return negative ? value : Math.negateExact(value);
        } catch (ArithmeticException e) {
            throw error("integer " + excerpt(start, digitsEnd) + " does not fit in 64 bits", start);
        }
    }

    private void skipDigits() {
        while (isDigit(current())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static void checkUtf8(byte[] bytes) throws JsonSyntaxException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer input = ByteBuffer.wrap(bytes);
        // Decoded in small chunks that are thrown away: only the verdict and its position matter.
        CharBuffer scratch = CharBuffer.allocate(4096);
        while (true) {
            CoderResult result = decoder.decode(input, scratch, true);
            if (result.isError()) {
                throw new JsonSyntaxException("invalid UTF-8 byte sequence", input.position());
            }
            if (result.isUnderflow()) {
                return;
            }
            scratch.clear();
        }
    }

    private String excerpt(int from, int to) {
        int shown = Math.min(to - from, 40);
        String text = new String(in, from, shown, StandardCharsets.US_ASCII);
        return shown < to - from ? text + "..." : text;
    }

    private static String describeByte(int c) {
        return c == -1 ? "the end of the input" : describeChar(c);
    }

    private static String describeChar(int c) {
        return c >= 0x20 && c < 0x7F ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
    }

    private static String hex(char unit) {
        return String.format("%04X", (int) unit);
    }

    private static JsonSyntaxException error(String reason, long offset) {
        return new JsonSyntaxException(reason, offset);
    }
}
