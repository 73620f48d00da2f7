package io.github.mobilenetj.server;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The command line of {@code mobilenetj serve}. */
final class ServerOptions {

    static final String USAGE = """
            usage: java -jar mobilenetj-server.jar [options]

            Serves MobileNetV1 models over the Open Inference Protocol v2 (KServe / Triton REST API) with the
            binary tensor data and classification extensions; GET /metrics in Prometheus text format.
            Without --model or --random-model it serves the bundled Fashion-MNIST model as 'fashion-mnist'.

              --model NAME=FILE            a safetensors weights file (repeatable); FILE 'bundled' = the bundled model
              --random-model NAME=A,R[,C]  seeded random weights, width multiplier A, resolution R, C classes
                                           (default 1000), for load tests (repeatable)
              --host ADDRESS               address to listen on (default 0.0.0.0)
              --port N                     port (default 8000; 0 = any free port, printed at start)
              --workers K                  inference workers per model (default: processors / threads)
              --threads T                  OpenMP threads per worker (default 1); K x T <= processors
              --precision P                fp32, bf16 or int8 for every model (default: what each file holds:
                                           a quantized file is int8, others fp32); int8 needs a quantized file,
                                           or 'bundled' (its INT8 version); bf16 needs AVX512-BF16, AMX or FEAT_BF16
              --max-batch B                largest micro-batch (default 1)
              --max-queue-delay-us D       wait up to D us for a batch to fill (default 0)
              --queue N                    images queued per model before 429 (default max(16, 4 x K x B))
              --timeout-ms MS              default deadline of a request in the queue (default 1000; 0 = none);
                                           a request's parameters.timeout (microseconds) overrides it
              --max-body-bytes N           largest request body (default 67108864), else 413
              --drain-seconds S            on SIGTERM, finish queued requests within S seconds (default 10)
              --mode service|naive         'naive': the baseline of the load tests, a pool of request threads
                                           each with its own default session, no admission control
              --naive-threads N            request threads of --mode naive (default 200)
              --help                       this text
            """;

    record ModelSource(String name, Path file, double alpha, int resolution, int classes) {
        boolean bundled() {
            return file == null && alpha == 0;
        }

        boolean random() {
            return alpha > 0;
        }
    }

    String host = "0.0.0.0";
    int port = 8000;
    final List<ModelSource> models = new ArrayList<>();
    int workers;
    int threads = 1;
    /** Null: each model at the precision its file holds. */
    Precision precision;
    int maxBatch = 1;
    long maxQueueDelayMicros;
    int queue;
    long timeoutMillis = 1000;
    long maxBodyBytes = 64L << 20;
    long drainSeconds = 10;
    boolean naive;
    int naiveThreads = 200;
    boolean help;

    static ServerOptions parse(String... args) {
        ServerOptions o = new ServerOptions();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0 && !arg.startsWith("--model") && !arg.startsWith("--random-model")) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                o.help = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                value = args[++i];
            }
            switch (arg) {
                case "--model" -> o.models.add(model(value));
                case "--random-model" -> o.models.add(randomModel(value));
                case "--host" -> o.host = value;
                case "--port" -> o.port = (int) number(arg, value, 0, 65535);
                case "--workers" -> o.workers = (int) number(arg, value, 1, MobileNetV1.maxThreads());
                case "--threads" -> o.threads = (int) number(arg, value, 1, MobileNetV1.maxThreads());
                case "--precision" -> o.precision = switch (value.toLowerCase(Locale.ROOT)) {
                    case "fp32" -> Precision.FP32;
                    case "bf16" -> Precision.BF16;
                    case "int8" -> Precision.INT8;
                    default -> throw new IllegalArgumentException("--precision is fp32, bf16 or int8, got '" + value + "'");
                };
                case "--max-batch" -> o.maxBatch = (int) number(arg, value, 1, 1024);
                case "--max-queue-delay-us" -> o.maxQueueDelayMicros = number(arg, value, 0, 10_000_000);
                case "--queue" -> o.queue = (int) number(arg, value, 1, 1 << 20);
                case "--timeout-ms" -> o.timeoutMillis = number(arg, value, 0, 3_600_000);
                case "--max-body-bytes" -> o.maxBodyBytes = number(arg, value, 1024, Integer.MAX_VALUE - 16);
                case "--drain-seconds" -> o.drainSeconds = number(arg, value, 0, 3600);
                case "--naive-threads" -> o.naiveThreads = (int) number(arg, value, 1, 10_000);
                case "--mode" -> {
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "service" -> o.naive = false;
                        case "naive" -> o.naive = true;
                        default -> throw new IllegalArgumentException("--mode is 'service' or 'naive', got '" + value + "'");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (o.models.isEmpty()) {
            o.models.add(new ModelSource("fashion-mnist", null, 0, 0, 0));
        }
        if (o.workers > 0 && (long) o.workers * o.threads > MobileNetV1.maxThreads()) {
            throw new IllegalArgumentException("--workers " + o.workers + " x --threads " + o.threads + " exceeds the "
                    + MobileNetV1.maxThreads() + " processors available");
        }
        return o;
    }

    Duration timeout() {
        return timeoutMillis == 0 ? null : Duration.ofMillis(timeoutMillis);
    }

    private static ModelSource model(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException("--model takes NAME=FILE, got '" + value + "'");
        }
        String name = name(value.substring(0, eq));
        String file = value.substring(eq + 1);
        return file.equals("bundled") ? new ModelSource(name, null, 0, 0, 0) : new ModelSource(name, Path.of(file), 0, 0, 0);
    }

    private static ModelSource randomModel(String value) {
        int eq = value.indexOf('=');
        String[] parts = eq > 0 ? value.substring(eq + 1).split(",") : new String[0];
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("--random-model takes NAME=ALPHA,RESOLUTION[,CLASSES], got '" + value + "'");
        }
        try {
            double alpha = Double.parseDouble(parts[0]);
            int resolution = Integer.parseInt(parts[1]);
            int classes = parts.length == 3 ? Integer.parseInt(parts[2]) : 1000;
            if (!(alpha > 0)) {
                throw new IllegalArgumentException("--random-model: width multiplier must be positive, got " + alpha);
            }
            return new ModelSource(name(value.substring(0, eq)), null, alpha, resolution, classes);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--random-model takes NAME=ALPHA,RESOLUTION[,CLASSES], got '" + value + "'");
        }
    }

    private static String name(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
            throw new IllegalArgumentException("model name '" + name + "' must be letters, digits, '_', '.', '-'");
        }
        return name;
    }

    private static long number(String option, String value, long min, long max) {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, got '" + value + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be in " + min + ".." + max + ", got " + v);
        }
        return v;
    }
}
