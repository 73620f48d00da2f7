package io.github.mobilenetj.cli;

/**
 * Makes text from files (labels in weights metadata, file names, messages quoting them) safe to
 * print on a terminal: control characters (ANSI escape sequences, carriage returns, newlines) and
 * Unicode bidirectional controls (which can reorder what the terminal shows, e.g. U+202E) are
 * replaced by {@code \\uXXXX}, so a file cannot rewrite or hide what the user sees.
 */
final class Text {
    private Text() {
    }

    static String safe(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04X", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    static boolean unsafe(char c) {
        return Character.isISOControl(c)
                || (c >= '\u202A' && c <= '\u202E') // LRE, RLE, PDF, LRO, RLO
                || (c >= '\u2066' && c <= '\u2069') // LRI, RLI, FSI, PDI
                || c == '\u200E' || c == '\u200F' || c == '\u061C' // LRM, RLM, ALM
                || Character.getType(c) == Character.FORMAT && c != '\u200D'; // other invisible formatting, ZWJ kept
    }
}
