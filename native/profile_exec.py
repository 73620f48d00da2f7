#!/usr/bin/python3
"""Per-primitive times of one mobilenet_bench configuration from oneDNN's own profiler
(ONEDNN_VERBOSE=profile_exec): median execution time of each primitive of the network over the
timed runs, its implementation and data types, and the sums per layer kind.

    native/profile_exec.py [--iterations 200] [--warmup 20] [--summary-only] -- MOBILENET_BENCH_ARGS...

e.g. native/profile_exec.py -- --weights w.safetensors --threads 2 --precision int8
(The bench prints one exec line per primitive execution; the last iterations x primitives lines are
the timed loop, so build-time reorders and calibration runs are left out.)
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def kind_of(op, problem, src_dt):
    if op == "reorder":
        return "reorder"
    if op == "pooling":
        return "pooling"
    if op == "inner_product":
        return "classifier"
    m = re.search(r"g(\d+)", problem)
    if m and int(m.group(1)) > 1:
        return "depthwise"
    if "kh1" in problem and "kw1" in problem:
        return "pointwise"
    return "first conv"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=os.path.join(HERE, "build", "mobilenet_bench"))
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--summary-only", action="store_true")
    ap.add_argument("--stat", choices=["median", "p10", "min"], default="median",
                    help="per primitive: median time, or p10 / min (executions untouched by other processes)")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = [x for x in a.args if x != "--"]
    env = dict(os.environ, ONEDNN_VERBOSE="profile_exec")
    cmd = [a.bench] + args + ["--iterations", str(a.iterations), "--warmup", str(a.warmup)]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"profile_exec: {' '.join(cmd)} failed:\n{p.stderr}")
    m = re.search(r": (\d+) primitives", p.stdout)
    if not m:
        sys.exit("profile_exec: no primitive count in the bench's output")
    count = int(m.group(1))
    execs = [line.split(",") for line in p.stdout.splitlines() if line.startswith("onednn_verbose,v1,primitive,exec,")]
    timed = execs[-a.iterations * count:]
    if len(timed) != a.iterations * count:
        sys.exit(f"profile_exec: expected {a.iterations * count} exec lines, found {len(timed)}")
    rows = []
    for i in range(count):
        lines = timed[i::count]
        f = lines[0]
        op, impl, mds, problem = f[5], f[6], f[8], f[-2]
        dts = ":".join(re.findall(r"(?:src|wei|dst):(\w+)", mds))
        times = sorted(float(x[-1]) for x in lines)
        rows.append({"i": i, "op": op, "impl": impl, "dts": dts, "problem": problem,
                     "kind": kind_of(op, problem, dts),
                     "median": {"median": statistics.median(times), "min": times[0],
                                "p10": times[max(0, (len(times) + 9) // 10 - 1)]}[a.stat]})
    summary_line = [line for line in p.stdout.splitlines() if line.startswith("latency")]
    if not a.summary_only:
        print(f"{'#':>3} {'kind':<11} {'impl':<32} {'types':<14} {a.stat + ' ms':>10}  problem")
        for r in rows:
            print(f"{r['i']:>3} {r['kind']:<11} {r['impl']:<32} {r['dts']:<14} {r['median']:>10.4f}  {r['problem']}")
    kinds = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["median"]
    total = sum(kinds.values())
    print(f"sum of per-primitive {a.stat} times by kind (ms): " + ", ".join(f"{k} {v:.3f}" for k, v in kinds.items())
          + f"; total {total:.3f}")
    if summary_line:
        print(summary_line[0])


if __name__ == "__main__":
    main()
