#!/usr/bin/python3
"""Interleaved, paired comparison of mobilenet_bench configurations (precisions, per-layer int8 mixes,
OpenMP settings) on one machine: every round runs each configuration once (order rotated round by
round), and each configuration's p50 is divided by the baseline's p50 of the same round. The median
of those per-round ratios, with their min-max, is the figure; a drift of the machine's speed between
rounds cancels out.

    native/precision_bench.py --weights W.safetensors [--alpha 1.0 --resolution 224 --batch 1 --threads 2]
        [--rounds 7 --iterations 200 --warmup 50] [--json out.json]
        --config 'f32=' --config 'bf16=--precision bf16' --config 'int8=--precision int8' ...

--config NAME=ARGS adds a configuration (ARGS: extra mobilenet_bench arguments; an `ENV:K=V` word
sets an environment variable for that configuration only, e.g. 'spin0=ENV:GOMP_SPINCOUNT=0').
The first configuration is the baseline unless --baseline NAME says otherwise.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(bench, common, extra, env_extra, tmp):
    out = os.path.join(tmp, "r.json")
    env = dict(os.environ)
    env.update(env_extra)
    cmd = [bench] + common + extra + ["--json", out]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"precision_bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    with open(out) as f:
        return json.load(f)


def idle_fraction(seconds=2.0):
    """Fraction of all CPUs' time spent idle over `seconds` (from /proc/stat)."""
    def read():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = read()
    time.sleep(seconds)
    i1, t1 = read()
    return (i1 - i0) / max(1, t1 - t0)


def wait_quiet(min_idle, max_wait):
    """Waits (at most max_wait s) until the machine is at least min_idle idle; returns the idle seen."""
    deadline = time.time() + max_wait
    idle = idle_fraction()
    while idle < min_idle and time.time() < deadline:
        idle = idle_fraction()
    return idle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=os.path.join(HERE, "build", "mobilenet_bench"))
    ap.add_argument("--weights", required=True)
    ap.add_argument("--alpha", default="1.0")
    ap.add_argument("--resolution", default="224")
    ap.add_argument("--classes", default="1000")
    ap.add_argument("--batch", default="1")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iterations", default="200")
    ap.add_argument("--warmup", default="50")
    ap.add_argument("--config", action="append", required=True, help="NAME=extra args")
    ap.add_argument("--baseline")
    ap.add_argument("--json")
    ap.add_argument("--min-idle", type=float, default=0.0,
                    help="before each round wait until the CPUs were this idle over 2 s (other load on shared machines)")
    ap.add_argument("--max-wait", type=float, default=300)
    ap.add_argument("--competitor", help="a command run during every round (after the quiet check) and "
                    "killed after it, e.g. a busy loop pinned to one CPU: 'taskset -c 1 sh -c \"while :; do :; done\"'")
    ap.add_argument("--metric", choices=["p50", "p10", "min", "cpu"], default="p50",
                    help="the figure compared: p50 latency, p10 or min latency (runs untouched by other "
                         "processes on a shared machine), or cpu: the calling thread's CPU time per run "
                         "(median; 1 thread only)")
    a = ap.parse_args()

    configs = []
    for c in a.config:
        name, _, rest = c.partition("=")
        words = shlex.split(rest)
        env = dict(w[4:].split("=", 1) for w in words if w.startswith("ENV:"))
        args = [w for w in words if not w.startswith("ENV:")]
        configs.append((name, args, env))
    names = [c[0] for c in configs]
    baseline = a.baseline or names[0]
    if baseline not in names:
        sys.exit(f"precision_bench: no configuration named {baseline}")
    common = ["--extra-stats", "--weights", a.weights, "--alpha", a.alpha, "--resolution", a.resolution, "--classes", a.classes,
              "--batch", a.batch, "--threads", a.threads, "--iterations", a.iterations, "--warmup", a.warmup]
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            order = configs[r % len(configs):] + configs[:r % len(configs)]
            if r % 2:
                order = order[::-1]
            idle = wait_quiet(a.min_idle, a.max_wait) if a.min_idle > 0 else idle_fraction(0.5)
            got = {}
            competitor = subprocess.Popen(a.competitor, shell=True, start_new_session=True) if a.competitor else None
            try:
                for name, args, env in order:
                    got[name] = run(a.bench, common, args, env, tmp)
            finally:
                if competitor:
                    os.killpg(competitor.pid, 15)
                    competitor.wait()
            key = {"cpu": "thread_cpu_p50_ms", "p50": "p50_ms", "p10": "p10_ms", "min": "min_ms"}[a.metric]
            rounds.append({n: {"p50": got[n][key], "p99": got[n]["p99_ms"], "mean": got[n]["mean_ms"],
                               "wall_p50": got[n]["p50_ms"], "cpu_p50": got[n]["thread_cpu_p50_ms"]}
                           for n in names})
            rounds[-1]["idle_before"] = idle
            line = "  ".join(f"{n} {got[n][key]:.3f}" for n in names)
            print(f"round {r + 1}/{a.rounds} (idle before {idle:.2f}): p50 ms  {line}", flush=True)
            if r == 0:
                impls = {n: [(i["label"], i["impl"], i.get("types", "")) for i in got[n]["impls"]] for n in names}
    summary = []
    what = {"cpu": "calling-thread CPU time p50", "p50": "p50", "p10": "p10 latency", "min": "min latency"}[a.metric]
    print(f"\n{a.alpha}-{a.resolution} batch {a.batch}, {a.threads} thread(s), {a.rounds} rounds x "
          f"{a.iterations} runs; figure = {what}; ratio = figure / {baseline}'s of the same round")
    print(f"{'config':<22} {'median fig. ms':>14} {'median p99 ms':>14} {'ratio median':>13} {'ratio min-max':>16}"
          f" {'cpu ratio (t1)':>15}")
    for n in names:
        p50 = [x[n]["p50"] for x in rounds]
        p99 = [x[n]["p99"] for x in rounds]
        ratios = [x[n]["p50"] / x[baseline]["p50"] for x in rounds]
        cpu_ratios = [x[n]["cpu_p50"] / x[baseline]["cpu_p50"] for x in rounds]
        s = {"config": n, "median_p50_ms": statistics.median(p50), "median_p99_ms": statistics.median(p99),
             "ratio_median": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
             "cpu_ratio_median": statistics.median(cpu_ratios)}
        summary.append(s)
        print(f"{n:<22} {s['median_p50_ms']:>14.3f} {s['median_p99_ms']:>14.3f} {s['ratio_median']:>13.3f} "
              f"{s['ratio_min']:>7.3f}-{s['ratio_max']:<7.3f} {s['cpu_ratio_median']:>15.3f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "rounds": rounds, "summary": summary, "impls": impls}, f, indent=1)


if __name__ == "__main__":
    main()
