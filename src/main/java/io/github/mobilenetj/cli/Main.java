package io.github.mobilenetj.cli;

import io.github.mobilenetj.dnnl.DnnlException;
import io.github.mobilenetj.dnnl.NativeLibraryException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code mobilenetj} command line. User mistakes and bad files print one line and exit with
 * a non-zero code; only a bug in this program prints a stack trace.
 */
public final class Main {

    static final String USAGE = """
            usage: mobilenetj <command> [options]

              demo                      oneDNN version and ISA, one depthwise separable block with the kernels
                                        oneDNN chose, the model summary, a classification of the bundled sample
                                        image and a latency line (the default command)
              summary                   per-layer table: output shapes, parameters, multiply-adds
                  [--alpha A] [--resolution R] [--classes N] [--standard]
              classify IMAGE...         top-k classes of JPEG/PNG images
                  [--weights FILE] [--alpha A] [--resolution R] [--classes N] [--top K]
              latency                   batch latency percentiles and throughput
                  [--iterations N] [--threads T] [--batch B] [--alpha A] [--resolution R] [--weights FILE]
              evaluate                  test accuracy and images/s on Fashion-MNIST
                  --weights FILE [--fashion-mnist DIR] [--batch B] [--threads T] [--limit N]
              help                      this text

            Without --weights the model uses seeded random weights, and says so.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "demo" : args[0];
        List<String> rest = args.length == 0 ? List.of() : Arrays.asList(args).subList(1, args.length);
        try {
            switch (command) {
                case "demo" -> new DemoCommand(out).run(rest);
                case "summary" -> new SummaryCommand(out).run(rest);
                case "classify" -> new ClassifyCommand(out).run(rest);
                case "latency" -> new LatencyCommand(out).run(rest);
                case "evaluate" -> new EvaluateCommand(out).run(rest);
                case "help", "--help", "-h" -> out.print(USAGE);
                default -> throw new UsageException("unknown command '" + command + "'; run 'mobilenetj help'");
            }
            return 0;
        } catch (UsageException e) {
            err.println("mobilenetj: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            err.println("mobilenetj " + command + ": " + e.getMessage());
            return 1;
        } catch (NativeLibraryException | DnnlException e) {
            err.println("mobilenetj " + command + ": " + e.getMessage());
            return 3;
        }
    }
}
