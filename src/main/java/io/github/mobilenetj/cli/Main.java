package io.github.mobilenetj.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code mobilenetj} command line. User mistakes and bad files print one line and exit with
 * a non-zero code (2: usage, 1: a file or setting that does not work, 3: the native library could
 * not be loaded); anything unexpected prints one line too, with exit code 4, and its stack trace
 * only when {@code MOBILENETJ_DEBUG=1}.
 */
public final class Main {

    static final String USAGE = """
            usage: mobilenetj <command> [options]

              demo                      the oneDNN library and CPU ISA, the bundled Fashion-MNIST model (summary,
                                        its predictions for one test image of each of its 10 classes, latency), then
                                        the kernels and latency of the paper's MobileNetV1 1.0-224 (the default command)
              summary                   per-layer table: output shapes, parameters, multiply-adds (no native code)
                  [--alpha A] [--resolution R] [--classes N] [--standard]
              classify IMAGE...         top-k classes of JPEG/PNG images; without --weights, the bundled
                                        Fashion-MNIST model. A file that cannot be read is reported and skipped
                                        (exit code 1 at the end)
                  [--weights FILE] [--top K] [--threads T] [--precision fp32|bf16|int8] [--calibration DIR]
                  [--alpha A] [--resolution R] [--classes N]
              latency                   batch latency percentiles and throughput (progress on stderr)
                  [--iterations N] [--warmup N] [--threads T] [--batch B] [--precision fp32|bf16|int8]
                  [--calibration DIR] [--weights FILE] [--alpha A] [--resolution R] [--classes N]
              evaluate                  test accuracy and images/s on Fashion-MNIST; without --weights, the
                                        bundled model
                  [--weights FILE] [--fashion-mnist DIR] [--batch B] [--threads T] [--limit N]
                  [--precision fp32|bf16|int8] [--calibration DIR]
              quantize                  INT8 post-training quantization into a file that loads without calibration data
                  --calibration DIR --out FILE [--weights FILE] [--samples N] [--method minmax|percentile]
              help                      this text

            --weights takes a safetensors state_dict (reference PyTorch or timm names); a file whose metadata
            describes its model needs no --alpha/--classes. latency without --weights times the paper's 1.0-224
            (or --alpha/--resolution/--classes) with seeded random weights, and says so.
            --precision int8 loads a quantized file as it is; a float file needs --calibration DIR (Fashion-MNIST IDX
            training images, or PNG/JPEG files; --samples, default 500); the bundled model has an INT8 version.
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
            return switch (command) {
                case "demo" -> new DemoCommand(out).run(rest);
                case "summary" -> new SummaryCommand(out).run(rest);
                case "classify" -> new ClassifyCommand(out, err).run(rest);
                case "latency" -> new LatencyCommand(out, err).run(rest);
                case "evaluate" -> new EvaluateCommand(out).run(rest);
                case "quantize" -> new QuantizeCommand(out).run(rest);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new UsageException("unknown command '" + Text.safe(command) + "'; run 'mobilenetj help'");
            };
        } catch (UsageException e) {
            err.println("mobilenetj: " + e.getMessage());
            return 2;
        } catch (NativeLoadException e) {
            err.println("mobilenetj " + command + ": " + e.getMessage());
            return 3;
        } catch (IOException | UncheckedIOException | IllegalArgumentException | UnsupportedOperationException e) {
            err.println("mobilenetj " + command + ": " + Text.safe(e.getMessage()));
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("mobilenetj " + command + ": out of memory: " + Text.safe(String.valueOf(e.getMessage()))
                    + " (raise -Xmx, or lower the image size limit -Dmobilenetj.image.maxPixels)");
            return 1;
        } catch (RuntimeException | StackOverflowError e) {
            err.println("mobilenetj " + command + ": unexpected " + e.getClass().getSimpleName() + ": "
                    + Text.safe(String.valueOf(e.getMessage())) + " (this is a bug; set MOBILENETJ_DEBUG=1 for the stack trace)");
            if ("1".equals(System.getenv("MOBILENETJ_DEBUG"))) {
                e.printStackTrace(err);
            }
            return 4;
        }
    }
}
