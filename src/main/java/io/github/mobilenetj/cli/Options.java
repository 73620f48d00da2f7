package io.github.mobilenetj.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and positional arguments, checked against what a command accepts. */
final class Options {

    private final Map<String, String> values = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    Options(String command, List<String> args, Set<String> valued, Set<String> flags) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--")) {
                String name = a.substring(2);
                if (flags.contains(name)) {
                    values.put(name, "true");
                } else if (valued.contains(name)) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(command + ": option --" + name + " needs a value");
                    }
                    if (values.containsKey(name)) {
                        throw new UsageException(command + ": option --" + name + " is given twice");
                    }
                    values.put(name, args.get(++i));
                } else {
                    throw new UsageException(command + ": unknown option --" + Text.safe(name) + " (run 'mobilenetj help')");
                }
            } else {
                positional.add(a);
            }
        }
    }

    List<String> positional() {
        return positional;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int positiveInt(String name, int fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n <= 0) {
                throw new UsageException("--" + name + " must be a positive integer, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a positive integer (at most " + Integer.MAX_VALUE + "), got '"
                    + Text.safe(v) + "'");
        }
    }

    double positiveDouble(String name, double fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new UsageException("--" + name + " must be a number > 0, got " + Text.safe(v));
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + Text.safe(v) + "'");
        }
    }

    /** The path given to --{@code name}, which must be a regular file; null when not given. */
    Path existingFile(String name) {
        String v = values.get(name);
        if (v == null) {
            return null;
        }
        return regularFile("--" + name, v);
    }

    /** {@code value} as a path to a regular file, else a usage error saying what it is instead. */
    static Path regularFile(String what, String value) {
        Path p = Path.of(value);
        if (!Files.exists(p)) {
            throw new UsageException(what + ": no such file: " + Text.safe(value));
        }
        if (!Files.isRegularFile(p)) {
            throw new UsageException(what + ": not a regular file (" + (Files.isDirectory(p) ? "a directory" : "a device,"
                    + " pipe or socket") + "): " + Text.safe(value));
        }
        return p;
    }
}
