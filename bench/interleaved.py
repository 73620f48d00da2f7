#!/usr/bin/python3
"""Paired, interleaved comparison of mobilenetj (Java, FFM) and the native C baseline on the same weights and
input: the question "does the Java path add anything over oneDNN called from C?" asked in a way that the
noise of a shared machine cannot answer for us.

JMH and the native program run minutes apart in bench/run.sh, and on a shared 2-vCPU VM the machine's speed
drifts by more than the difference being measured. Here the two programs alternate, round after round, each
timing `--iterations` runs of the same network (same input sin(i * 0.001), same weights file, same threads)
after its own warm-up, so both see the same machine; the result is the per-round ratio of p50 latencies and
its median over the rounds (the order within a round alternates, too).

  /usr/bin/python3 bench/interleaved.py --jar target/mobilenetj-...-cli.jar --native native/build/mobilenet_bench \
      --weights W.safetensors [--alpha 1.0] [--resolution 224] [--threads 1 2] [--rounds 10] [--iterations 200] \
      --out bench/results/interleaved.json

The Java side is `java --enable-native-access=ALL-UNNAMED -jar CLI.jar latency --weights W ...`: the library's
public API, `Session.run(MemorySegment, MemorySegment)` on native segments (the zero-copy path), timed with
System.nanoTime around each call; the C side times each run with clock_gettime the same way.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

P50 = re.compile(r"p50 ([0-9.]+) ms")


def p50_of(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = P50.search(out)
    if not m:
        raise SystemExit(f"no p50 in the output of {' '.join(cmd)}:\n{out}")
    return float(m.group(1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", required=True, help="the library's runnable jar (target/mobilenetj-*-cli.jar)")
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    ap.add_argument("--native", required=True, help="native/build/mobilenet_bench")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--alpha", default="1.0")
    ap.add_argument("--resolution", default="224")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    common = ["--weights", args.weights, "--alpha", args.alpha, "--resolution", args.resolution,
              "--iterations", str(args.iterations), "--warmup", str(args.warmup)]
    results = []
    for threads in args.threads:
        java = [args.java, "--enable-native-access=ALL-UNNAMED", "-jar", args.jar, "latency", "--threads", str(threads)] + common
        native = [args.native, "--threads", str(threads), "--classes", "1000"] + common
        rounds = []
        for r in range(args.rounds):
            order = (("java", java), ("native", native)) if r % 2 == 0 else (("native", native), ("java", java))
            got = {name: p50_of(cmd) for name, cmd in order}
            rounds.append({"ours_p50_ms": got["java"], "native_p50_ms": got["native"],
                           "ratio": got["java"] / got["native"], "first": order[0][0]})
            print(f"threads {threads} round {r + 1}/{args.rounds}: ours p50 {got['java']:.2f} ms, "
                  f"native p50 {got['native']:.2f} ms, ratio {got['java'] / got['native']:.3f}", flush=True)
        ratios = sorted(x["ratio"] for x in rounds)
        results.append({
            "threads": threads, "rounds": rounds,
            "median_ratio": statistics.median(ratios), "min_ratio": ratios[0], "max_ratio": ratios[-1],
            "median_ours_p50_ms": statistics.median(x["ours_p50_ms"] for x in rounds),
            "median_native_p50_ms": statistics.median(x["native_p50_ms"] for x in rounds),
        })
        print(f"threads {threads}: median ours/native p50 ratio {results[-1]['median_ratio']:.3f} "
              f"(min {ratios[0]:.3f}, max {ratios[-1]:.3f}) over {args.rounds} rounds", flush=True)
    info = {"alpha": args.alpha, "resolution": int(args.resolution), "batch": 1, "iterations": args.iterations,
            "warmup": args.warmup, "ours_command": "java -jar CLI.jar latency", "native_command": "native/build/mobilenet_bench", "results": results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
