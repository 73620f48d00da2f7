package io.github.mobilenetj.io;

import java.util.Collection;
import java.util.Iterator;

/** Keeps names taken from a file short in error messages: a hostile file can hold names of megabytes. */
final class Messages {

    /** Characters of a name shown in full; longer ones are cut, saying how long they are. */
    static final int MAX_NAME_CHARS = 120;

    /** Names listed in one message at most. */
    static final int MAX_NAMES = 10;

    private Messages() {
    }

    /** {@code 'name'}, or its first {@link #MAX_NAME_CHARS} characters followed by how many there are in all. */
    static String quote(String name) {
        return name.length() <= MAX_NAME_CHARS ? "'" + name + "'"
                : "'" + head(name) + "...' (" + name.length() + " characters)";
    }

    /** The name, or its first {@link #MAX_NAME_CHARS} characters followed by how many there are in all. */
    static String shorten(String name) {
        return name.length() <= MAX_NAME_CHARS ? name : head(name) + "... (" + name.length() + " characters)";
    }

    private static String head(String name) {
        int cut = MAX_NAME_CHARS;
        if (Character.isHighSurrogate(name.charAt(cut - 1))) {
            cut--;
        }
        return name.substring(0, cut);
    }

    /** At most {@link #MAX_NAMES} names, each shortened, then how many there are in all: "a, b, ... (12 in all)". */
    static String list(Collection<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        Iterator<String> it = names.iterator();
        for (int i = 0; i < MAX_NAMES && it.hasNext(); i++) {
            text.append(i == 0 ? "" : ", ").append(shorten(it.next()));
        }
        if (it.hasNext()) {
            text.append(", ... (").append(names.size()).append(" in all)");
        }
        return text.toString();
    }
}
