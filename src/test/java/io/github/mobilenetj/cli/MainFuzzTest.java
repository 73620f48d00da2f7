package io.github.mobilenetj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing of the command line (Jazzer): argument parsing, option values, the model
 * settings and their bounds, and the summary arithmetic, through {@link Main#run}, as a user typing
 * arbitrary arguments reaches them.
 *
 * <p>Only commands that run no native code and read no file are fuzzed (a command that runs the
 * network is bounded by its settings, not by the fuzzer's time budget): {@code summary}, {@code help}
 * and whatever else the fuzzer names, which must be refused as unknown. The heavy commands share
 * the option parser and the settings checked here.
 *
 * <p>Properties: the exit code is 0 (success) or 2 (usage error), never 1, 3 or the 4 of an
 * unexpected exception; a usage error is one line on stderr starting with {@code mobilenetj: } and
 * nothing on stdout; nothing printed carries a control or bidirectional character the user did not
 * see coming; a summary's totals are non-negative and equal the sums of its rows.
 */
class MainFuzzTest {

    private static final List<String> HEAVY = List.of("demo", "classify", "latency", "evaluate", "quantize");

    /** The input is the argument list, arguments separated by NUL bytes (as in {@code /proc/PID/cmdline}). */
    @FuzzTest
    void run(byte[] data) {
        List<String> args = new ArrayList<>(List.of(new String(data, StandardCharsets.UTF_8).split("\0", 12)));
        if (HEAVY.contains(args.getFirst())) {
            args.set(0, "summary");
        }
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            code = Main.run(args.toArray(String[]::new), out, err);
        }
        String out = outBytes.toString(StandardCharsets.UTF_8);
        String err = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(code == 0 || code == 2, () -> "exit code " + code + " for " + args + ": " + err);
        assertPrintable(out);
        assertPrintable(err);
        if (code == 2) {
            assertTrue(err.startsWith("mobilenetj: ") && err.indexOf('\n') == err.length() - 1, () -> args + ": " + err);
            assertEquals("", out);
            return;
        }
        assertEquals("", err, () -> args.toString());
        if (args.getFirst().equals("summary")) {
            checkTotals(out, args);
        }
    }

    /** No character a terminal would interpret, except the newlines (and tabs) the commands print. */
    private static void assertPrintable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\n' && c != '\t' && Text.unsafe(c)) {
                int at = i;
                assertFalse(true, () -> String.format("U+%04X printed at %d: %s", (int) c, at, text));
            }
        }
    }

    private static final Pattern ROW = Pattern.compile("^\\S.*?\\s([\\d,]+)\\s+([\\d,]+)\\s*$", Pattern.MULTILINE);
    private static final Pattern TOTAL = Pattern.compile("^Total params: ([\\d,]+)$.*^Total mult-adds: ([\\d,]+)",
            Pattern.MULTILINE | Pattern.DOTALL);

    private static void checkTotals(String out, List<String> args) {
        Matcher total = TOTAL.matcher(out);
        assertTrue(total.find(), () -> args + ": no totals in\n" + out);
        long params = Long.parseLong(total.group(1).replace(",", ""));
        long macs = Long.parseLong(total.group(2).replace(",", ""));
        assertTrue(params > 0 && macs > 0, () -> args + ":\n" + out);
        long rowParams = 0;
        long rowMacs = 0;
        Matcher row = ROW.matcher(out.substring(0, total.start()));
        while (row.find()) {
            rowParams = Math.addExact(rowParams, Long.parseLong(row.group(1).replace(",", "")));
            rowMacs = Math.addExact(rowMacs, Long.parseLong(row.group(2).replace(",", "")));
        }
        assertEquals(params, rowParams, () -> args + ": parameters of the rows\n" + out);
        assertEquals(macs, rowMacs, () -> args + ": multiply-adds of the rows\n" + out);
    }
}
