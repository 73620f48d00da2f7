#!/usr/bin/python3
"""Interleaved, paired comparison of precisions and engines on the same networks: mobilenetj at fp32, bf16 and int8,
ONNX Runtime at fp32 and int8 (the QDQ graph of the same quantized network), and the native C baseline at f32, bf16
and int8 (the same quantized file), cell by cell (α, resolution, batch, threads).

On a shared 2-vCPU machine the speed drifts by more than the differences in question, so every engine runs in each
round, one after the other (the order rotated round by round), each in a fresh process timing `iterations` runs after
its own warm-up; a round's ratios (e.g. ours int8 p50 / ORT fp32 p50) compare engines that saw the same machine, and
the median of the per-round ratios is the figure (min-max alongside).

  /usr/bin/python3 bench/precision.py --jar bench/target/benchmarks.jar [--native native/build/mobilenet_bench] \
      --cells 1.0:224:1:1 1.0:224:1:2 1.0:224:8:2 ... [--rounds 5] [--target-seconds 1.0] --out results/precision.json

A cell is ALPHA:RESOLUTION:BATCH:THREADS. Weights: `WriteWeights` (seed 42, the JMH benchmarks' weights) per α and
`WriteQuantized` (those weights, min/max calibration on 64 seeded N(0, 1) inputs, every layer in 8 bits) per α and
resolution, written once into --workdir. Engines:
  ours-*: java -cp benchmarks.jar io.github.mobilenetj.bench.Latency --engine ours (Session.run on native segments)
  ort-*:  the same with --engine ort (input + pinned output tensors over direct buffers, ALL_OPT)
  c-*:    native/build/mobilenet_bench --precision f32|bf16|int8 (int8: --weights the quantized file)
A configuration that cannot run here (bf16 without CPU support, a C baseline without --precision) is reported as
unavailable, with the reason, and left out of the later rounds.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

P50 = re.compile(r"p50 ([0-9.]+) ms")
UNAVAILABLE = 3

# Multiply-adds of MobileNetV1 at 224 by α (batch 1); other resolutions scale with (res / 224)^2.
MACS_224 = {"1.0": 568.7e6, "0.75": 325.4e6, "0.5": 149.5e6, "0.25": 41.0e6}
# fp32 ms per GMAC at 1 thread on this machine class (1.0-224 ~ 11 ms); only sizes the iteration counts.
MS_PER_GMAC_1T = 20.0

CONFIGS = ["ours-fp32", "ours-bf16", "ours-int8", "ort-fp32", "ort-int8", "c-fp32", "c-bf16", "c-int8"]
# (name, numerator, denominator, target: numerator / denominator must be <= target, or None)
RATIOS = [
    ("ours bf16 / ORT fp32", "ours-bf16", "ort-fp32", 0.55),
    ("ours int8 / ORT fp32", "ours-int8", "ort-fp32", 0.38),
    ("ours int8 / ORT int8", "ours-int8", "ort-int8", 1.0),
    ("ours fp32 / ORT fp32", "ours-fp32", "ort-fp32", None),
    ("ours fp32 / C fp32", "ours-fp32", "c-fp32", 1.03),
    ("ours bf16 / C bf16", "ours-bf16", "c-bf16", 1.03),
    ("ours int8 / C int8", "ours-int8", "c-int8", 1.03),
    ("ORT int8 / ORT fp32", "ort-int8", "ort-fp32", None),
]


def norm_alpha(a):
    return f"{float(a):.2f}".rstrip("0").rstrip(".") if float(a) != 1.0 else "1.0"


def parse_cell(text):
    a, r, b, t = text.split(":")
    return {"alpha": norm_alpha(a), "resolution": int(r), "batch": int(b), "threads": int(t)}


def log(msg):
    print(msg, flush=True)


def run_cmd(cmd, env=None, timeout=1800):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


class Files:
    """The weights (per α) and quantized (per α × resolution) files, written once."""

    def __init__(self, java, jar, workdir, commands):
        self.java, self.jar, self.dir, self.commands = java, jar, workdir, commands

    def _write(self, path, main, *args):
        if not os.path.exists(path):
            cmd = [self.java, "--enable-native-access=ALL-UNNAMED", "-cp", self.jar, f"io.github.mobilenetj.bench.{main}",
                   path, *args]
            self.commands.append(" ".join(cmd))
            p = run_cmd(cmd)
            if p.returncode != 0:
                sys.exit(f"precision.py: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
        return path

    def weights(self, alpha):
        return self._write(os.path.join(self.dir, f"w-{alpha}.safetensors"), "WriteWeights", alpha, "1000")

    def quantized(self, alpha, resolution):
        return self._write(os.path.join(self.dir, f"q-{alpha}-{resolution}.int8.safetensors"), "WriteQuantized",
                           alpha, str(resolution))


def command(config, cell, files, args, iterations, warmup, json_out):
    engine, precision = config.split("-")
    a, r, b, t = cell["alpha"], cell["resolution"], cell["batch"], cell["threads"]
    if engine in ("ours", "ort"):
        return [args.java, "--enable-native-access=ALL-UNNAMED", "-cp", args.jar, "io.github.mobilenetj.bench.Latency",
                "--engine", engine, "--precision", precision, "--weights", files.weights(a),
                "--quantized", files.quantized(a, r), "--resolution", str(r), "--batch", str(b), "--threads", str(t),
                "--iterations", str(iterations), "--warmup", str(warmup), "--warmup-ms", str(args.jvm_warmup_ms)]
    weights = files.quantized(a, r) if precision == "int8" else files.weights(a)
    return [args.native, "--weights", weights, "--alpha", a, "--resolution", str(r), "--classes", "1000",
            "--batch", str(b), "--threads", str(t), "--iterations", str(iterations), "--warmup", str(warmup),
            "--precision", {"fp32": "f32"}.get(precision, precision), "--json", json_out]


def measure(cmd, json_out):
    """(p50 ms, None) or (None, reason) when the configuration cannot run here."""
    p = run_cmd(cmd)
    if p.returncode == UNAVAILABLE and "unavailable" in p.stdout:
        return None, p.stdout.strip().splitlines()[-1]
    if p.returncode != 0:
        text = (p.stdout + p.stderr).strip()
        if "--precision" in text and ("unknown" in text.lower() or "unrecognized" in text.lower() or "usage" in text.lower()):
            return None, "this native/build/mobilenet_bench has no --precision (build it from a native/ with it)"
        if "unimplemented" in text.lower() or "unsupported" in text.lower():
            return None, text.splitlines()[-1][:300]
        sys.exit(f"precision.py: {' '.join(cmd)} failed ({p.returncode}):\n{text[-3000:]}")
    if json_out and os.path.exists(json_out):
        with open(json_out) as f:
            data = json.load(f)
        os.remove(json_out)
        if "p50_ms" in data:
            return float(data["p50_ms"]), None
    m = P50.search(p.stdout)
    if not m:
        sys.exit(f"precision.py: no p50 in the output of {' '.join(cmd)}:\n{p.stdout}")
    return float(m.group(1)), None


def iterations_for(cell, args):
    macs = MACS_224[cell["alpha"]] * (cell["resolution"] / 224) ** 2 * cell["batch"]
    est_ms = macs / 1e9 * MS_PER_GMAC_1T / (1.6 if cell["threads"] > 1 else 1.0)
    n = int(round(args.target_seconds * 1000 / est_ms))
    n = max(args.min_iterations, min(args.max_iterations, n))
    return n, max(args.min_warmup, n // 4)


def paired(rounds, num, den):
    return [x["p50"][num] / x["p50"][den] for x in rounds
            if x["p50"].get(num) is not None and x["p50"].get(den) is not None]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", required=True, help="bench/target/benchmarks.jar")
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    ap.add_argument("--native", default=None, help="native/build/mobilenet_bench (optional)")
    ap.add_argument("--cells", nargs="+", required=True, help="ALPHA:RESOLUTION:BATCH:THREADS ...")
    ap.add_argument("--configs", nargs="+", default=CONFIGS, choices=CONFIGS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--target-seconds", type=float, default=1.0, help="timed seconds per measurement (sizes iterations)")
    ap.add_argument("--min-iterations", type=int, default=20)
    ap.add_argument("--max-iterations", type=int, default=3000)
    ap.add_argument("--min-warmup", type=int, default=10)
    ap.add_argument("--jvm-warmup-ms", type=int, default=2000,
                    help="ours and ORT warm up for at least this long as well, so that the JIT has compiled their Java "
                         "side (thousands of runs when a run takes a millisecond); the C baseline needs no JIT")
    ap.add_argument("--workdir", default=None, help="where the weights files go (default: a temporary directory)")
    ap.add_argument("--label", default="", help="free text recorded in the output (e.g. 'run 1 of 2')")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    configs = [c for c in args.configs if not (c.startswith("c-") and not (args.native and os.access(args.native, os.X_OK)))]
    unavailable = {c: "no native/build/mobilenet_bench" for c in args.configs if c not in configs}
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in run_cmd(["lscpu"]).stdout.splitlines()
                    if line.startswith("Model name")), "")
    except OSError:
        pass
    commands = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        files = Files(args.java, args.jar, args.workdir or tmp, commands)
        if args.workdir:
            os.makedirs(args.workdir, exist_ok=True)
        cells = []
        for text in args.cells:
            cell = parse_cell(text)
            iterations, warmup = iterations_for(cell, args)
            cell.update(iterations=iterations, warmup=warmup, rounds=[], unavailable={})
            live = list(configs)
            example = {}
            for r in range(args.rounds):
                order = live[r % len(live):] + live[:r % len(live)] if live else []
                rnd = {"order": order, "loadavg": list(os.getloadavg()), "p50": {}}
                for config in order:
                    json_out = os.path.join(tmp, "native.json")
                    cmd = command(config, cell, files, args, iterations, warmup, json_out)
                    example.setdefault(config, " ".join(cmd))
                    p50, reason = measure(cmd, json_out)
                    if reason:
                        cell["unavailable"][config] = reason
                        live.remove(config)
                        log(f"  {config}: unavailable: {reason}")
                        continue
                    rnd["p50"][config] = p50
                cell["rounds"].append(rnd)
                log(f"{cell['alpha']}-{cell['resolution']} b{cell['batch']} t{cell['threads']} round {r + 1}/{args.rounds}"
                    f" (load {rnd['loadavg'][0]:.1f}): " + ", ".join(f"{c} {v:.3f}" for c, v in rnd["p50"].items()))
            cell["median_p50_ms"] = {c: statistics.median([x["p50"][c] for x in cell["rounds"] if c in x["p50"]])
                                     for c in configs if any(c in x["p50"] for x in cell["rounds"])}
            cell["ratios"] = {}
            for name, num, den, target in RATIOS:
                values = paired(cell["rounds"], num, den)
                if values:
                    med = statistics.median(values)
                    cell["ratios"][name] = {"median": med, "min": min(values), "max": max(values), "per_round": values,
                                            "target": target, "met": None if target is None else med <= target}
            cell["commands"] = example
            cells.append(cell)
            summary = ", ".join(f"{k} {v['median']:.3f}" for k, v in cell["ratios"].items())
            log(f"{cell['alpha']}-{cell['resolution']} b{cell['batch']} t{cell['threads']}: {summary}")
    info = {"label": args.label, "cpu": cpu, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(time.time() - started), "loadavg_end": list(os.getloadavg()), "rounds": args.rounds,
            "target_seconds": args.target_seconds, "configs": configs, "unavailable": unavailable,
            "weights_commands": commands, "cells": cells}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    log(f"wrote {args.out} ({info['seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
