#!/usr/bin/env python3
"""Turns server/load.sh's results.jsonl into the markdown load table (stdout). Usage: load_report.py DIR"""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
meta = json.loads((out / "meta.json").read_text())["meta"]
rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]


def f(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v:.{digits}f}"
    return str(v)


def find(model, design, level, fmt="binary"):
    for r in rows:
        res = r["result"]
        if r["model"] == model and r["design"] == design and r["level"] == level and res.get("format", fmt) == fmt:
            return res
    return None


def rss(res):
    if res is None or res.get("rss_start_mb") is None:
        return "–"
    return f"{res['rss_start_mb']:.0f}→{res['rss_max_mb']:.0f}"


def errors(res):
    return (res["s5xx"] - 0) + res["client_errors"] + res["dropped"] + res["s4xx"] + res["s503"]


print(f"## mobilenetj serve under load ({meta['mode']})")
print()
print(f"CPU: {meta['cpu']}, {meta['cpus']} CPUs; load average {meta['loadavg_start']} at the start, "
      f"{meta.get('loadavg_end', '?')} at the end; commit {meta['commit']}, {meta['date']}; "
      f"{meta['duration_s']} s per run; server environment: `{meta['server_env'] or '(none)'}`"
      + (f"; {meta['hogs']} busy-loop processes competing" if meta.get("hogs") else "") + ".")
print()
if meta["mode"] == "omp":
    print("MobileNetV1 1.0-224 (random weights) behind the server, binary tensor requests, over loopback. Each config is "
          "started, its capacity measured with a closed loop (2 x CPUs + 2 clients), then an open loop runs at 50 % of "
          "the first 2x1 capacity (the same rate for every config; latency from the intended send time, in ms). "
          "2x1: 2 workers x 1 OpenMP thread; 1x2: 1 worker x 2 threads with libgomp's default wait policy, with "
          "OMP_WAIT_POLICY=passive, or with GOMP_SPINCOUNT=0, set in the server's environment.")
    print()
if meta["mode"] != "omp":
  print("Open loop over loopback (latency from each request's intended send time), binary tensor requests of one image, "
      "the load generator on the same cores. Service: the server's defaults. Naive: the same HTTP server, each request "
      "run on one of 200 request threads with its own default session (all cores), no admission control. Loads are "
      "percentages of the service's capacity (closed loop, "
      "2 x CPUs + 2 clients). Latencies in ms, throughput in images/s, RSS in MB (at the start of the run → max). "
      "Client lag: how late the load generator sent its requests (it shares the CPUs; a large lag means the numbers "
      "measure the machine's contention, not the server).")
print()

models = []
for r in rows:
    if r["model"] not in models and r["design"] != "exit":
        models.append(r["model"])
names = {"r224": "MobileNetV1 1.0-224 (random weights)", "fashion": "bundled Fashion-MNIST model (α 0.5, 64x64)"}

if meta["mode"] == "omp":
    print("| config | round | capacity img/s | p50 at 50 % | p99 at 50 % | p99.9 at 50 % | served at 50 % |")
    print("|---|---|---|---|---|---|---|")
    seen = {}
    for r in rows:
        if r["design"] == "exit":
            continue
        res = r["result"]
        key = (r["design"], r["level"])
        seen[key] = seen.get(key, 0) + 1
        if r["level"] == "capacity":
            cap = res["throughput"]
            round_ = seen[key]
        else:
            print(f"| {r['design']} | {round_} | {f(cap)} | {f(res['p50_ms'])} | {f(res['p99_ms'])} | "
                  f"{f(res['p999_ms'])} | {f(res['throughput'])} |")
    sys.exit(0)

for m in [m for m in models if m in names]:
    if find(m, "service", "unloaded") is None and find(m, "service", "50") is None:
        continue  # a soak-only run: reported below
    print(f"### {names.get(m, m)}")
    print()
    unloaded = find(m, "service", "unloaded")
    cap = find(m, "service", "capacity")
    ncap = find(m, "naive", "capacity")
    inproc = find(m, "inprocess", "capacity")
    facts = []
    if unloaded:
        facts.append(f"unloaded p50 {f(unloaded['p50_ms'], 2)} ms (one client)")
    if cap:
        facts.append(f"service capacity {f(cap['throughput'])} img/s")
    if ncap:
        facts.append(f"naive capacity {f(ncap['throughput'])} img/s")
    if inproc:
        facts.append(f"in-process sessions (no HTTP, same K x T) {f(inproc['images_per_s'])} img/s")
        if cap:
            facts.append(f"served / in-process = {cap['throughput'] / inproc['images_per_s']:.2f}")
    print("; ".join(facts) + ".")
    print()
    print("| load | offered | service served | p50 | p99 | p99.9 | 429 | 429 p99 (from send) | 504 | other errors | RSS | "
          "naive served | p50 | p99 | p99.9 | errors | RSS | client lag p99 (s / n) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for level in ["50", "80", "100", "150", "300"]:
        s = find(m, "service", level)
        n = find(m, "naive", level)
        if s is None:
            continue
        line = (f"| {level} % | {f(s['rate'])} | {f(s['throughput'])} | {f(s['p50_ms'], 2)} | {f(s['p99_ms'], 2)} | "
                f"{f(s['p999_ms'], 2)} | {s['rejected']} | {f(s['rejected_p99_ms'], 2)} ({f(s.get('rejected_p99_from_send_ms'), 2)}) | "
                f"{s['s504']} | {errors(s)} | {rss(s)} |")
        if n:
            line += (f" {f(n['throughput'])} | {f(n['p50_ms'], 2)} | {f(n['p99_ms'], 2)} | {f(n['p999_ms'], 2)} | "
                     f"{n['rejected'] + n['s504'] + errors(n)} | {rss(n)} | {f(s.get('send_lag_p99_ms'), 1)} / "
                     f"{f(n.get('send_lag_p99_ms'), 1)} |")
        else:
            line += f" – | – | – | – | – | – | {f(s.get('send_lag_p99_ms'), 1)} |"
        print(line)
    print()
    fmts = [(fmt, find(m, "service", "capacity", fmt), find(m, "service", "80", fmt)) for fmt in ("binary", "json", "png")]
    if any(c for _, c, _ in fmts[1:]):
        print("| request format (service) | capacity img/s | vs binary | p50 at 80 % | p99 at 80 % | errors at 80 % |")
        print("|---|---|---|---|---|---|")
        base = fmts[0][1]["throughput"] if fmts[0][1] else None
        for fmt, c, e in fmts:
            if c is None:
                continue
            label = {"binary": "binary tensor (FP32)", "json": "JSON tensor (FP32)", "png": "encoded image (PNG, BYTES)"}[fmt]
            ratio = f"{c['throughput'] / base:.2f}" if base else "–"
            print(f"| {label} | {f(c['throughput'])} | {ratio} | {f(e['p50_ms'], 2) if e else '–'} | "
                  f"{f(e['p99_ms'], 2) if e else '–'} | {errors(e) + e['s504'] if e else '–'} |")
        print()
    # The targets, checked on these numbers.
    checks = []
    if cap and inproc:
        ratio = cap["throughput"] / inproc["images_per_s"]
        checks.append(f"served capacity ≥ 0.9 x in-process: {ratio:.2f} {'met' if ratio >= 0.9 else 'NOT met'}")
    s80 = find(m, "service", "80")
    if s80 and unloaded and s80["p99_ms"] is not None:
        ratio = s80["p99_ms"] / unloaded["p50_ms"]
        checks.append(f"p99 at 80 % ≤ 3 x unloaded p50: {ratio:.1f} x {'met' if ratio <= 3 else 'NOT met'}")
    s300 = find(m, "service", "300")
    if s300:
        r99 = s300["rejected_p99_ms"]
        r99s = s300.get("rejected_p99_from_send_ms")
        checks.append(f"300 %: 429 p99 {f(r99, 2)} ms from the intended send, {f(r99s, 2)} ms from the actual send "
                      f"({'met' if r99 is not None and r99 < 5 else 'NOT met'} < 5 ms), "
                      f"5xx {s300['s5xx']}, 504 {s300['s504']}, accepted p99.9 {f(s300['p999_ms'], 1)} ms, RSS {rss(s300)}")
    if checks:
        print("Targets: " + "; ".join(checks) + ".")
        print()

soak = find("fashion", "service", "soak")
if soak:
    growth = (soak["rss_end_mb"] / soak["rss_start_mb"] - 1) * 100 if soak.get("rss_start_mb") else None
    print(f"### Soak: {soak['sent']} requests on the bundled model at {f(soak['rate'])} req/s (80 % of capacity)")
    print()
    print(f"served {soak['ok']} ({f(soak['throughput'])} img/s), p50 {f(soak['p50_ms'], 2)} ms, p99 {f(soak['p99_ms'], 2)} ms, "
          f"p99.9 {f(soak['p999_ms'], 2)} ms; 429 {soak['rejected']}, 504 {soak['s504']}, other errors {errors(soak)}; "
          f"RSS after warm-up {f(soak['rss_start_mb'])} MB, max {f(soak['rss_max_mb'])} MB, end {f(soak['rss_end_mb'])} MB "
          f"({f(growth)} % growth).")
    print()

exits = [r for r in rows if r["design"] == "exit"]
if exits:
    bad = [r["model"] for r in exits if r["result"]["exit_code"] != 0]
    print(f"SIGTERM: {len(exits) - len(bad)} of {len(exits)} servers drained and exited 0" + (f"; not: {bad}" if bad else "") + ".")
