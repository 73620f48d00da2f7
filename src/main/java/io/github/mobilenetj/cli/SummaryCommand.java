package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.Summary;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** {@code mobilenetj summary}: the per-layer table, computed without loading any native code. */
final class SummaryCommand {
    private final PrintStream out;

    SummaryCommand(PrintStream out) {
        this.out = out;
    }

    int run(List<String> args) {
        Options o = new Options("summary", args, Set.of("alpha", "resolution", "classes"), Set.of("standard"));
        if (!o.positional().isEmpty()) {
            throw new UsageException("summary takes no positional arguments, got " + Text.safe(o.positional().toString()));
        }
        ModelConfig config = ModelSettings.config(o);
        out.print(o.flag("standard") ? Summary.standardConvolutions(config) : Summary.of(config));
        return 0;
    }
}
