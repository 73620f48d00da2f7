#!/usr/bin/python3
"""Turns bench/results/*.json into bench/RESULTS.md and bench/results/latency.png.

Inputs (any may be missing; the tables then show a dash):
  jmh.json        runtime benchmarks (LayerOurs/LayerOrt, NetworkOurs/NetworkOrt, BatchOurs/BatchOrt)
  jmh-build.json  Build / BuildOrt (SingleShotTime)
  jmh-gc.json     runtime benchmarks with -prof gc (gc.alloc.rate.norm)
  jmh-omp-passive.json  NetworkOurs at 2 threads with OMP_WAIT_POLICY=passive (mobilenetj's default)
  jmh-torch.json  NetworkTorch (PyTorch 2.7.1 through DJL), run with GLIBC_TUNABLES keeping freed memory
  jmh-torch-default-malloc.json  NetworkTorch batch 1 with glibc's default malloc settings
  pytorch-python.json  pytorch_python.py (Debian's Python PyTorch 1.13)
  interleaved.json  interleaved.py: ours (CLI latency) and the native C baseline alternating, same weights
  precision.json, precision-repeat.json  precision.py: ours fp32/bf16/int8, ORT fp32/int8, native f32/bf16/int8
                  interleaved round by round (the precision table; the second run shows the run-to-run spread)
  jmh-precision.json, jmh-precision-ort.json  NetworkOurs/BatchOurs at bf16/int8 and NetworkOrt/BatchOrt at int8
                  under JMH, α 1.0, 224 (full mode)
  machine.json    MachineInfo: CPU, JDK, oneDNN/ORT versions and ISA, kernels, cross-check, exact allocation
  native-a{alpha}-r{res}-b{batch}-t{threads}.json   native C baseline (native/build/mobilenet_bench --json)
  commands.txt    the commands run.sh ran

Usage: /usr/bin/python3 bench/report.py [--results bench/results] [--out bench/RESULTS.md] [--mode quick|full]
Needs only the standard library and matplotlib (Debian: apt-get install python3-matplotlib).
"""

import argparse
import glob
import json
import math
import os
import re
import statistics
import sys

PKG = "io.github.mobilenetj.bench."
ALPHAS = ["1.0", "0.75", "0.5", "0.25"]
RESOLUTIONS = [224, 192, 160, 128]
LAYERS = ["DW_32x112", "PW_32to64x112", "BLOCK_512x14", "BLOCK_1024x7", "FC_1024to1000"]
LAYER_TEXT = {
    "DW_32x112": "depthwise 3x3, 32 ch, 112x112, s1",
    "PW_32to64x112": "pointwise 32→64, 112x112",
    "BLOCK_512x14": "dw 3x3 + pw 512→512, 14x14",
    "BLOCK_1024x7": "dw 3x3 + pw 1024→1024, 7x7",
    "FC_1024to1000": "FC 1024→1000",
}
# Multiply-adds per run (batch 1), for GFLOP/s = 2 * MACs / time.
LAYER_MACS = {
    "DW_32x112": 32 * 9 * 112 * 112,
    "PW_32to64x112": 32 * 64 * 112 * 112,
    "BLOCK_512x14": 512 * 9 * 14 * 14 + 512 * 512 * 14 * 14,
    "BLOCK_1024x7": 1024 * 9 * 7 * 7 + 1024 * 1024 * 7 * 7,
    "FC_1024to1000": 1024 * 1000,
}
PRECISION_CLASSES = ("NetworkOurs", "NetworkOrt", "BatchOurs", "BatchOrt")
UNIT_TO_MS = {"ns/op": 1e-6, "us/op": 1e-3, "µs/op": 1e-3, "ms/op": 1.0, "s/op": 1e3}
DASH = "—"


# ---------------------------------------------------------------------------------------------- loading

def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"report.py: skipping {path}: {e}", file=sys.stderr)
        return None


def norm_alpha(a):
    try:
        return repr(float(a)) if float(a) != int(float(a)) else f"{float(a):.1f}"
    except (TypeError, ValueError):
        return str(a)


class Jmh:
    """Runtime results keyed by (class, params) with avgt and sample entries."""

    def __init__(self):
        self.entries = []  # dicts: cls, method, mode, params, ms (mean), err_ms, pct (dict p->ms), raw, secondary, unit, entry

    def add_file(self, path):
        data = load_json(path)
        if not isinstance(data, list):
            return
        for e in data:
            name = e.get("benchmark", "")
            if not name.startswith(PKG):
                continue
            cls, _, method = name[len(PKG):].rpartition(".")
            pm = e.get("primaryMetric", {})
            unit = pm.get("scoreUnit", "ms/op")
            scale = UNIT_TO_MS.get(unit)
            if scale is None:
                continue
            pct = {}
            for k, v in (pm.get("scorePercentiles") or {}).items():
                try:
                    pct[float(k)] = float(v) * scale
                except (TypeError, ValueError):
                    pass
            params = dict(e.get("params") or {})
            if "alpha" in params:
                params["alpha"] = norm_alpha(params["alpha"])
            if cls in PRECISION_CLASSES:
                params.setdefault("precision", "fp32")  # results from before the precision parameter
            err = pm.get("scoreError")
            self.entries.append({
                "cls": cls, "method": method, "mode": e.get("mode"), "params": params,
                "ms": float(pm.get("score", float("nan"))) * scale,
                "err_ms": float(err) * scale if isinstance(err, (int, float)) and not math.isnan(err) else None,
                "pct": pct, "raw": pm.get("rawData"), "secondary": e.get("secondaryMetrics") or {},
                "file": os.path.basename(path), "entry": e,
            })

    def find(self, cls, mode=None, method=None, file=None, **params):
        out = []
        for x in self.entries:
            if x["cls"] != cls or (mode and x["mode"] != mode) or (method and x["method"] != method):
                continue
            if file and x["file"] != file:
                continue
            if all(str(x["params"].get(k)) == str(v) for k, v in params.items()):
                out.append(x)
        return out

    def latency(self, cls, file="jmh.json", **params):
        """(mean ms, p50, p90, p99): mean from AverageTime if present, else SampleTime's mean."""
        avg = self.find(cls, "avgt", file=file, **params)
        smp = self.find(cls, "sample", file=file, **params)
        mean = avg[0]["ms"] if avg else (smp[0]["ms"] if smp else None)
        p = smp[0]["pct"] if smp else {}
        return mean, p.get(50.0), p.get(90.0), p.get(99.0)


def native_results(results_dir):
    """{(alpha, res, batch, threads): (mean, p50, p90, p99)} from native-*.json, whatever their exact keys."""
    out = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "native-*.json"))):
        data = load_json(path)
        if not isinstance(data, dict):
            continue
        m = re.match(r"native-a([0-9.]+)-r(\d+)-b(\d+)-t(\d+)\.json$", os.path.basename(path))
        if m:
            key = (norm_alpha(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)))
        else:
            flat = flatten(data)
            try:
                key = (norm_alpha(pick(flat, ["alpha", "width_multiplier"])), int(pick(flat, ["resolution"])),
                       int(pick(flat, ["batch", "batch_size"])), int(pick(flat, ["threads"])))
            except (TypeError, ValueError):
                continue
        out[key] = native_stats(data)
    return out


def flatten(d, prefix=""):
    flat = {}
    if isinstance(d, dict):
        for k, v in d.items():
            flat.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(d, list):
        flat[prefix[:-1]] = d
    else:
        flat[prefix[:-1]] = d
    return flat


def pick(flat, names):
    for k, v in flat.items():
        leaf = k.rsplit(".", 1)[-1].lower()
        if leaf in names:
            return v
    return None


def unit_scale(key, default_unit):
    k = key.lower()
    if k.endswith("_ns") or k.endswith("ns") and not k.endswith("ms"):
        return 1e-6
    if k.endswith("_us") or k.endswith("us") or "micro" in k:
        return 1e-3
    if k.endswith("_s") and not k.endswith("_ms"):
        return 1e3
    if k.endswith("_ms") or k.endswith("ms"):
        return 1.0
    return {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1e3}.get(str(default_unit).lower(), 1.0)


def native_stats(data):
    """Mean and percentiles in ms. Looks for keys like mean_ms / avg / p50 / median / p90 / p99, or a list of
    per-iteration times (times_ms, latencies, samples ...) to compute them from."""
    flat = flatten(data)
    default_unit = pick(flat, ["unit", "units", "time_unit"]) or "ms"
    found = {}
    samples = None
    for k, v in flat.items():
        leaf = k.rsplit(".", 1)[-1].lower()
        if isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v) and len(v) > 2 \
                and re.search(r"(time|latenc|sample|iteration|run)", leaf):
            samples = [x * unit_scale(leaf, default_unit) for x in v]
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        for stat, pattern in (("mean", r"^(mean|avg|average)"), ("p50", r"^(p50|median)"), ("p90", r"^p90"),
                              ("p99", r"^p99(?!\.9)"), ("mean", r"(latency|time)_?(mean|avg)")):
            if re.search(pattern, leaf) and stat not in found:
                found[stat] = v * unit_scale(leaf, default_unit)
    if samples:
        s = sorted(samples)
        q = lambda p: s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]
        found.setdefault("mean", statistics.fmean(s))
        found.setdefault("p50", q(50))
        found.setdefault("p90", q(90))
        found.setdefault("p99", q(99))
    return found.get("mean"), found.get("p50"), found.get("p90"), found.get("p99")


# ---------------------------------------------------------------------------------------------- formatting

def f_ms(v, digits=None):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return DASH
    if digits is None:
        digits = 3 if v < 1 else 2 if v < 100 else 1
    return f"{v:.{digits}f}"


def f_us(v_ms):
    return DASH if v_ms is None else f"{v_ms * 1000:.1f}"


def ratio(a, b):
    return DASH if a is None or b is None or b == 0 else f"{a / b:.2f}"


def pcts(p50, p90, p99, fmt=f_ms):
    if p50 is None and p90 is None and p99 is None:
        return DASH
    return f"{fmt(p50)} / {fmt(p90)} / {fmt(p99)}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- sections

def python_version_text(python):
    if not python:
        return DASH
    return f"torch {python.get('torch')} (Debian python3-torch), Python {python.get('python')}"


def machine_section(machine, jmh, python=None):
    out = ["## Machine", ""]
    any_entry = jmh.entries[0]["entry"] if jmh.entries else {}
    cpu = (machine or {}).get("cpuModel") or cpu_model_here()
    rows = [
        ("CPU", cpu or DASH),
        ("logical CPUs (JVM)", (machine or {}).get("logicalCpus", os.cpu_count())),
        ("CPU ISA flags", ", ".join((machine or {}).get("cpuIsaFlags", [])) or DASH),
        ("oneDNN", f"{(machine or {}).get('onednnVersion', DASH)}; ISA used by its JIT: "
                   f"`{(machine or {}).get('onednnIsa', DASH)}`"),
        ("ONNX Runtime", f"{(machine or {}).get('onnxRuntimeVersion', DASH)} (Java, CPU execution provider, MLAS)"),
        ("PyTorch (Java)", f"{(machine or {}).get('pytorchVersion', DASH)} through DJL "
                           f"({(machine or {}).get('pytorchJars', DASH)})"),
        ("PyTorch (Python)", python_version_text(python)),
        ("JDK", (machine or {}).get("jdk") or f"{any_entry.get('vmName', '')} {any_entry.get('jdkVersion', '')}"),
        ("JMH", any_entry.get("jmhVersion", DASH)),
        ("OS", (machine or {}).get("os", DASH)),
        ("JMH JVM args", " ".join(any_entry.get("jvmArgs", [])) or DASH),
        ("recorded", (machine or {}).get("date", DASH)),
    ]
    out.append(table(["", ""], rows))
    return out


def cpu_model_here():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def network_section(jmh, native):
    out = ["## Whole network, batch 1", "",
           "Mean latency in ms (AverageTime; SampleTime's mean in quick mode); p50 / p90 / p99 from SampleTime. "
           "Ratios below 1 mean mobilenetj is faster.", ""]
    for t in (1, 2):
        rows = []
        for a in ALPHAS:
            for r in RESOLUTIONS:
                o = jmh.latency("NetworkOurs", alpha=a, resolution=r, threads=t, precision="fp32")
                x = jmh.latency("NetworkOrt", alpha=a, resolution=r, threads=t, precision="fp32")
                n = native.get((a, r, 1, t), (None,) * 4)
                if o[0] is None and x[0] is None and n[0] is None:
                    continue
                rows.append([a, r, f_ms(o[0]), f_ms(x[0]), f_ms(n[0]), ratio(o[0], x[0]), ratio(o[0], n[0]),
                             pcts(*o[1:]), pcts(*x[1:]), pcts(*n[1:])])
        if rows:
            out += [f"### {t} thread{'s' if t > 1 else ''}", "",
                    table(["α", "res", "ours ms", "ORT ms", "native ms", "ours/ORT", "ours/native",
                           "ours p50/p90/p99", "ORT p50/p90/p99", "native p50/p90/p99"], rows), ""]
    if len(out) == 4:
        out += ["(no results)", ""]
    return out


def ours_and_ort_full_size(jmh, batch, threads):
    """Latencies of ours and ORT for α 1.0, 224 at a batch size: batch 1 from the Network*, others from Batch*."""
    if batch == 1:
        return (jmh.latency("NetworkOurs", alpha="1.0", resolution=224, threads=threads, precision="fp32"),
                jmh.latency("NetworkOrt", alpha="1.0", resolution=224, threads=threads, precision="fp32"))
    return jmh.latency("BatchOurs", batch=batch, threads=threads, precision="fp32"), jmh.latency("BatchOrt", batch=batch, threads=threads, precision="fp32")


def batch_section(jmh, native):
    out = ["## Throughput, α 1.0, 224x224", "",
           "Time per batch in ms and images/s = batch / mean time. Batch 1 from the table above.", ""]
    rows = []
    for b in (1, 8, 32):
        for t in (1, 2):
            o, x = ours_and_ort_full_size(jmh, b, t)
            n = native.get(("1.0", 224, b, t), (None,) * 4)
            if o[0] is None and x[0] is None and n[0] is None:
                continue
            ips = lambda m: DASH if m is None else f"{b / m * 1000:.1f}"
            rows.append([b, t, f_ms(o[0]), ips(o[0]), f_ms(x[0]), ips(x[0]), f_ms(n[0]), ips(n[0]),
                         ratio(o[0], x[0]), ratio(o[0], n[0]), pcts(*o[1:]), pcts(*x[1:])])
    out.append(table(["batch", "threads", "ours ms", "ours img/s", "ORT ms", "ORT img/s", "native ms", "native img/s",
                      "ours/ORT", "ours/native", "ours p50/p90/p99 ms", "ORT p50/p90/p99 ms"], rows) if rows else "(no results)")
    out.append("")
    return out


def torch_section(jmh, python):
    rows = []
    py = {(r["batch"], r["threads"]): r for r in (python or {}).get("results", [])}
    for b in (1, 8):
        for t in (1, 2):
            o, x = ours_and_ort_full_size(jmh, b, t)
            d = jmh.latency("NetworkTorch", file="jmh-torch.json", batch=b, threads=t)
            dm = jmh.latency("NetworkTorch", file="jmh-torch-default-malloc.json", batch=b, threads=t)
            p = py.get((b, t), {})
            pm = p.get("mean_ms")
            if d[0] is None and pm is None:
                continue
            rows.append([b, t, f_ms(o[0]), f_ms(x[0]), f_ms(d[0]), f_ms(dm[0]), f_ms(pm), ratio(o[0], d[0]),
                         ratio(o[0], pm), pcts(*d[1:]),
                         pcts(p.get("p50_ms"), p.get("p90_ms"), p.get("p99_ms")) if p else DASH])
    if not rows:
        return []
    diffs = [f"{r['max_abs_diff_vs_mobilenetj']:.1e} (batch {r['batch']}, {r['threads']} thr)"
             for r in (python or {}).get("results", [])]
    text = ["## PyTorch peers (α 1.0, 224x224)", "",
            "Mean ms per batch. **PyTorch (DJL)**: PyTorch 2.7.1 from Java through DJL 0.36 (`NetworkTorch`): the "
            "reference layout built from DJL blocks with the same weights, BatchNorm unfolded, parameters frozen, "
            "`block.forward(..., training=false)` in a per-call sub-manager, NCHW, `ai.djl.pytorch.num_threads` = "
            "threads, inter-op 1, run with `GLIBC_TUNABLES` that keep freed memory (PyTorch's best case here); "
            "*default malloc* is the same benchmark without them. **PyTorch (Python)**: Debian's PyTorch 1.13, "
            "`bench/pytorch_python.py`, the reference `nn.Module` in `eval()` under `torch.inference_mode()`, "
            "`torch.set_num_threads(threads)`, timed with `perf_counter_ns` around each forward (mean and "
            "p50/p90/p99 over its runs; not JMH).", "",
            table(["batch", "threads", "ours ms", "ORT ms", "PyTorch (DJL) ms", "DJL default malloc ms",
                   "PyTorch (Python) ms", "ours/DJL", "ours/Python", "DJL p50/p90/p99", "Python p50/p90/p99"], rows), ""]
    if diffs:
        text += ["Python PyTorch's logits vs mobilenetj's on the same input: max |diff| " + ", ".join(diffs) + ".", ""]
    return text


def interleaved_section(data):
    if not data or not data.get("results"):
        return []
    rows = []
    for r in data["results"]:
        rows.append([r["threads"], len(r["rounds"]), f_ms(r["median_ours_p50_ms"]), f_ms(r["median_native_p50_ms"]),
                     f"{r['median_ratio']:.3f}", f"{r['min_ratio']:.2f} – {r['max_ratio']:.2f}",
                     " ".join(f"{x['ratio']:.2f}" for x in r["rounds"])])
    return ["## Java path vs oneDNN from C, interleaved (α 1.0, 224, batch 1)", "",
            "The tables above run the engines minutes apart; on a shared VM the machine's speed drifts by more than "
            "the difference in question. `interleaved.py` alternates the library's `latency` command "
            "(`Session.run(MemorySegment, MemorySegment)`, zero-copy) and `native/build/mobilenet_bench` round after "
            f"round, {data.get('iterations')} timed runs each after {data.get('warmup')} warm-up runs, same weights "
            "file, same input, same threads, the order flipped every round. Ratio = ours p50 / native p50 of the same "
            "round; its median over the rounds is the figure.", "",
            table(["threads", "rounds", "ours p50 ms (median)", "native p50 ms (median)", "median ours/native",
                   "range", "per-round ratios"], rows), ""]


def passive_section(jmh):
    rows = []
    for a in ALPHAS:
        for r in RESOLUTIONS:
            p = jmh.latency("NetworkOurs", file="jmh-omp-passive.json", alpha=a, resolution=r, threads=2, precision="fp32")
            if p[0] is None:
                continue
            d = jmh.latency("NetworkOurs", alpha=a, resolution=r, threads=2, precision="fp32")
            x = jmh.latency("NetworkOrt", alpha=a, resolution=r, threads=2, precision="fp32")
            rows.append([a, r, f_ms(d[0]), f_ms(p[0]), f_ms(x[0]), ratio(p[0], x[0]), pcts(*d[1:]), pcts(*p[1:])])
    if not rows:
        return []
    return ["## OpenMP wait policy (ours, batch 1, 2 threads)", "",
            "oneDNN runs on libgomp. Its default wait policy spins after each parallel region, and its static "
            "partitioning waits at every barrier for the slowest thread: when other processes compete for the "
            "cores, a descheduled thread stalls every one of the ~29 primitives. `OMP_WAIT_POLICY=passive` "
            "(environment of the JMH run; forks inherit it) makes idle threads sleep instead; mobilenetj sets it "
            "by default before libgomp loads (README, \"Threads\"), so *passive* is what a user gets and *default* "
            "(every other table; `run.sh` exports libgomp's own `GOMP_SPINCOUNT=300000`) is what the C baseline "
            "and PyTorch get. ORT's own thread pool is not affected by these variables.", "",
            table(["α", "res", "default ms", "passive ms", "ORT ms", "passive/ORT", "default p50/p90/p99",
                   "passive p50/p90/p99"], rows), ""]


def layer_section(jmh):
    out = ["## Single layers (batch 1, nn API, zero-copy `Execution.run`)", "",
           "Mean µs per run. `ours NCHW` takes and returns NCHW tensors like ORT, so it includes oneDNN's reorders to "
           "and from the layout it chose; `ours NHWC` usually has no reorder (kernels in results/machine.json). "
           "GFLOP/s = 2 × multiply-adds / time of ours NCHW. ours/ORT uses NCHW.", ""]
    rows = []
    for layer in LAYERS:
        for t in (1, 2):
            o = jmh.latency("LayerOurs", layer=layer, layout="NCHW", threads=t)
            h = jmh.latency("LayerOurs", layer=layer, layout="NHWC", threads=t)
            x = jmh.latency("LayerOrt", layer=layer, threads=t)
            if o[0] is None and h[0] is None and x[0] is None:
                continue
            gflops = DASH if o[0] is None else f"{2 * LAYER_MACS[layer] / (o[0] * 1e-3) / 1e9:.1f}"
            rows.append([LAYER_TEXT[layer], t, f_us(o[0]), f_us(h[0]), f_us(x[0]), ratio(o[0], x[0]), gflops,
                         pcts(*o[1:], fmt=f_us), pcts(*x[1:], fmt=f_us)])
    out.append(table(["layer", "threads", "ours NCHW µs", "ours NHWC µs", "ORT µs", "ours/ORT", "ours GFLOP/s",
                      "ours p50/p90/p99 µs", "ORT p50/p90/p99 µs"], rows) if rows else "(no results)")
    out.append("")
    return out


def allocation_section(jmh, machine):
    out = ["## Allocation per inference", "",
           "`gc.alloc.rate.norm` from `-prof gc` (jmh-gc.json). JMH's figure counts every JVM thread, so a few bytes "
           "per op of JMH's own background allocation show up on long operations even when the benchmark method "
           "allocates nothing; the exact per-thread figure from `ThreadMXBean.getCurrentThreadAllocatedBytes` "
           "(MachineInfo, after a JIT warm-up) is listed below it.", ""]
    rows = []
    for x in jmh.entries:
        if x["file"] != "jmh-gc.json":
            continue
        norm = x["secondary"].get("gc.alloc.rate.norm")
        if not norm:
            continue
        params = ", ".join(f"{k}={v}" for k, v in sorted(x["params"].items()))
        rows.append([f"{x['cls']}.{x['method']}", params, f"{norm.get('score', float('nan')):.1f}",
                     f_ms(x["ms"]) + " ms"])
    out.append(table(["benchmark", "params", "gc.alloc.rate.norm B/op", "time/op"], rows) if rows else "(no -prof gc results)")
    exact = (machine or {}).get("threadAllocatedBytesPerRun")
    if exact:
        out += ["", table(["call (calling thread only)", "bytes per run"],
                          [[k, f"{v:.1f}"] for k, v in exact.items() if isinstance(v, float)])]
        out.append("")
        out.append(f"({exact.get('runs')} runs after {exact.get('warmupRuns')} warm-up runs.)")
    out.append("")
    return out


def build_section(jmh):
    out = ["## Model build and first inference (α 1.0, 224x224, batch 1)", "",
           "Mode.SingleShotTime, one fresh model per invocation. `build` = load the safetensors file, fold BatchNorm, "
           "create the primitives, reorder the weights; `firstInference` = build + new session + first run. "
           "`primitiveCache=off` sets oneDNN's primitive cache capacity to 0 (every kernel JIT-compiled, as in a new "
           "process); `on` = rebuild in a warm process. ORT: `session` = createSession from the .onnx file (ALL_OPT, "
           "prepacking), `firstInference` = + first run. *cold JVM* = the first invocation of each fork (JIT cold); "
           "*warm JVM* = the later ones.", ""]
    rows = []
    for x in jmh.entries:
        if x["mode"] != "ss" or x["cls"] not in ("Build", "BuildOrt"):
            continue
        raw = x["raw"] or []
        scale = UNIT_TO_MS.get(x["entry"]["primaryMetric"].get("scoreUnit", "ms/op"), 1.0)
        firsts = [fork[0] * scale for fork in raw if fork]
        rest = [v * scale for fork in raw for v in fork[1:]]
        allv = [v * scale for fork in raw for v in fork]
        engine = "ours" if x["cls"] == "Build" else "ORT"
        rows.append([engine, x["method"], x["params"].get("threads", ""), x["params"].get("primitiveCache", "n/a"),
                     f_ms(x["ms"]), f_ms(min(allv)) if allv else DASH, f_ms(max(allv)) if allv else DASH,
                     f_ms(statistics.fmean(firsts)) if firsts else DASH,
                     f_ms(statistics.fmean(rest)) if rest else DASH, len(allv)])
    rows.sort(key=lambda r: (r[0] != "ours", r[1], str(r[2]), r[3]))
    out.append(table(["engine", "what", "threads", "primitive cache", "mean ms", "min ms", "max ms", "cold JVM ms",
                      "warm JVM ms", "samples"], rows) if rows else "(no results)")
    out.append("")
    return out


def kernels_section(machine):
    if not machine:
        return []
    out = ["## Kernels and cross-check", ""]
    prims = machine.get("primitives", {})
    net = prims.get("network alpha 1.0 224 batch 1")
    if net:
        counts = {}
        for p in net:
            impl = p.split(": ", 1)[-1]
            counts[impl] = counts.get(impl, 0) + 1
        out.append("Primitives of the α 1.0, 224 network: " +
                   ", ".join(f"{n} × `{k}`" for k, n in counts.items()) + ".")
        out.append("")
    rows = []
    for k, v in prims.items():
        if k.startswith("layer "):
            rows.append([k[6:], "<br>".join(f"`{p}`" for p in v)])
    if rows:
        out += [table(["layer benchmark", "primitives"], rows), ""]
    for key, peer in (("crossCheckOursVsOrt", "ORT"), ("crossCheckOursVsPyTorchDjl", "PyTorch through DJL")):
        cc = machine.get(key, {})
        if cc:
            out += [f"Same inputs and weights through both engines (max |ours − {peer}| over all outputs):", "",
                    table(["case", "outputs", "max abs diff", "max abs value", "ok"],
                          [[k, v.get("values"), f"{v.get('maxAbsDiff', 0):.2e}", f"{v.get('maxAbsValue', 0):.3f}",
                            v.get("ok")] for k, v in cc.items()]), ""]
    return out


PREC_CONFIGS = [("ours-fp32", "ours fp32"), ("ours-bf16", "ours bf16"), ("ours-int8", "ours int8"),
                ("ort-fp32", "ORT fp32"), ("ort-int8", "ORT int8"), ("c-fp32", "C f32"), ("c-bf16", "C bf16"),
                ("c-int8", "C int8")]
PREC_TARGETS = [("ours bf16 / ORT fp32", "bf16 / ORT fp32"), ("ours int8 / ORT fp32", "int8 / ORT fp32"),
                ("ours int8 / ORT int8", "int8 / ORT int8"), ("ours fp32 / C fp32", "ours/C f32"),
                ("ours bf16 / C bf16", "ours/C bf16"), ("ours int8 / C int8", "ours/C int8")]
HEADLINE = ("1.0", 224, 1, 2)


def cell_key(c):
    return (norm_alpha(c["alpha"]), int(c["resolution"]), int(c["batch"]), int(c["threads"]))


def cell_name(c):
    a, r, b, t = cell_key(c)
    return f"{a}-{r} b{b} t{t}"


def f_ratio(x, with_range=True):
    if not x:
        return DASH
    mark = "" if x.get("target") is None else (" ✓" if x["median"] <= x["target"] else " ✗")
    text = f"{x['median']:.2f}{mark}"
    if with_range and len(x.get("per_round", [])) > 1:
        text += f" ({x['min']:.2f}–{x['max']:.2f})"
    return text


def precision_section(run, repeat, machine, jmh):
    if not run or not run.get("cells"):
        return []
    out = ["## Reduced precision: bf16 and int8 against ONNX Runtime and oneDNN from C", "",
           "From `precision.py` (one run; every figure in these tables comes from it): each configuration runs in a "
           "process of its own, timing its runs after its own warm-up, and every configuration runs once per round, "
           "the order rotated round by round. A figure is the median over the rounds of the configuration's p50 "
           "(ms); a ratio is the median of the per-round ratios of two configurations measured in the same round "
           "(min–max in brackets), so that the machine's drift between rounds cancels. Same network and weights "
           "everywhere (`WriteWeights`, seed 42), same input (`sin(i × 0.001)`); int8 is one quantized file per "
           "α × resolution (`WriteQuantized`: min/max over 64 seeded N(0, 1) inputs, every layer in 8 bits) that "
           "mobilenetj loads, ONNX Runtime runs as a QDQ graph (fused into QLinearConv / QGemm, see below) and the "
           "native C baseline reads (`--precision int8`). bf16: mobilenetj's `Precision.BF16` and the C baseline's "
           "`--precision bf16` (bf16 tensors). ✓/✗: the issue's targets (bf16 ≤ 0.55 × ORT fp32; int8 ≤ 0.38 × ORT "
           "fp32 and ≤ 1.0 × ORT int8; ours/C ≤ 1.03).", ""]
    load = [x["loadavg"][0] for c in run["cells"] for x in c["rounds"] if x.get("loadavg")]
    facts = [f"CPU: {run.get('cpu') or DASH}", f"started {run.get('date') or DASH}",
             f"{run.get('rounds')} rounds per cell, ~{run.get('target_seconds')} s timed per measurement",
             f"{run.get('seconds', 0) / 60:.0f} min"]
    if load:
        threads = max(int(c["threads"]) for c in run["cells"])
        facts.append(f"1-minute load average during the run {min(load):.1f}–{max(load):.1f} (median "
                     f"{statistics.median(load):.1f}) on {os.cpu_count()} logical CPUs, the measured processes "
                     f"(up to {threads} busy threads) included")
    out += ["Run: " + "; ".join(facts) + ".", ""]
    unavailable = dict(run.get("unavailable") or {})
    for c in run["cells"]:
        unavailable.update(c.get("unavailable") or {})
    if machine and machine.get("ortBf16") and machine.get("ortBf16") != "session created":
        unavailable.setdefault("ort-bf16", "ONNX Runtime's CPU execution provider refuses the bf16 graph (opset 22): "
                               + machine["ortBf16"])
    if unavailable:
        out += ["Not measured: " + "; ".join(f"**{k}**: {v}" for k, v in sorted(unavailable.items())) + ".", ""]
    headline = next((c for c in run["cells"] if cell_key(c) == HEADLINE), None)
    rep = {cell_key(c): c for c in (repeat or {}).get("cells", [])}
    if headline:
        lines = []
        for name, short in PREC_TARGETS:
            x = headline["ratios"].get(name)
            y = rep.get(HEADLINE, {}).get("ratios", {}).get(name)
            if not x:
                continue
            text = f"- {name} (target ≤ {x['target']}): **{x['median']:.3f}** " + \
                   ("met" if x["median"] <= x["target"] else "**missed**") + f", per round {x['min']:.2f}–{x['max']:.2f}"
            if y:
                text += f"; second run {y['median']:.3f} ({y['min']:.2f}–{y['max']:.2f})"
            lines.append(text)
        if lines:
            out += ["At α 1.0, 224, batch 1, 2 threads (the issue's targets):", ""] + lines + [""]
    rows = []
    for c in run["cells"]:
        m = c.get("median_p50_ms", {})
        rows.append([cell_name(c)] + [f_ms(m.get(k)) for k, _ in PREC_CONFIGS])
    out += ["### Latency (median p50 over the rounds, ms)", "",
            table(["α-res batch threads"] + [t for _, t in PREC_CONFIGS], rows), ""]
    rows = [[cell_name(c)] + [f_ratio(c["ratios"].get(name)) for name, _ in PREC_TARGETS] for c in run["cells"]]
    out += ["### Ratios, per-round paired (median, min–max)", "",
            table(["α-res batch threads"] + [t for _, t in PREC_TARGETS], rows), ""]
    if repeat and repeat.get("cells"):
        rows = [[cell_name(c)] + [f_ratio(c["ratios"].get(name), with_range=False) for name, _ in PREC_TARGETS]
                for c in repeat["cells"]]
        load2 = [x["loadavg"][0] for c in repeat["cells"] for x in c["rounds"] if x.get("loadavg")]
        out += ["### The comparison run again (medians only)", "",
                f"A second run ({repeat.get('label') or 'repeat'}, started {repeat.get('date') or DASH}, "
                f"{repeat.get('rounds')} rounds per cell, {repeat.get('seconds', 0) / 60:.0f} min"
                + (f", load average {min(load2):.1f}–{max(load2):.1f}" if load2 else "") + "): how far a figure moves "
                "from one run to the next on this shared machine, and any cells the first run did not cover.", "",
                table(["α-res batch threads"] + [t for _, t in PREC_TARGETS], rows), ""]
    out += jmh_precision_table(jmh)
    if machine:
        ops = machine.get("ortInt8Optimized")
        if ops:
            out += ["ONNX Runtime's int8 graph after its optimizer (α 1.0, 224; `setOptimizedModelFilePath`): "
                    + ", ".join(f"{n} × `{k}`" for k, n in ops.items()) + ": every convolution fused into "
                    "`QLinearConv` (NHWC), the pooling into `QLinearGlobalAveragePool`, the classifier into `QGemm`; "
                    "only the input's QuantizeLinear remains.", ""]
        cc = machine.get("crossCheckOursVsOrtInt8")
        if cc:
            out += ["Same quantized network through both engines (N(0, 1) input): "
                    + "; ".join(f"{k}: max |ours − ORT| {v.get('maxAbsDiff', 0):.3g} (max |logit| "
                                f"{v.get('maxAbsValue', 0):.2f}; bound one u8 step of every pooled feature × ‖w‖₁ = "
                                f"{v.get('bound', 0):.3g}, {'ok' if v.get('ok') else 'EXCEEDED'})" for k, v in cc.items())
                    + ". The engines differ by design only in the bias: ORT adds it as int32 on the accumulator grid, "
                    "mobilenetj in float; with biases on the grid their u8 codes agree layer by layer "
                    "(`QuantizedOrtCrossCheckTest`).", ""]
        prims = machine.get("primitives", {})
        for p in ("bf16", "int8"):
            net = prims.get(f"network alpha 1.0 224 batch 1 {p}")
            if net:
                counts = {}
                for x in net:
                    impl = x.split(": ", 2)[-1]
                    counts[impl] = counts.get(impl, 0) + 1
                out += [f"Primitives of the α 1.0, 224 network at {p}: "
                        + ", ".join(f"{n} × `{k}`" for k, n in counts.items()) + ".", ""]
    return out


def jmh_precision_table(jmh):
    def lat(cls, precision, **params):
        for f in ("jmh.json", "jmh-precision.json", "jmh-precision-ort.json"):
            v = jmh.latency(cls, file=f, precision=precision, **params)
            if v[0] is not None:
                return v
        return (None,) * 4
    rows = []
    for b in (1, 8, 32):
        for t in (1, 2):
            if b == 1:
                get = lambda cls, p: lat("Network" + cls, p, alpha="1.0", resolution=224, threads=t)
            else:
                get = lambda cls, p: lat("Batch" + cls, p, batch=b, threads=t)
            v = {(e, p): get(e, p)[0] for e in ("Ours", "Ort") for p in ("fp32", "bf16", "int8") if (e, p) != ("Ort", "bf16")}
            if v[("Ours", "bf16")] is None and v[("Ours", "int8")] is None:
                continue
            rows.append([b, t] + [f_ms(v[k]) for k in (("Ours", "fp32"), ("Ours", "bf16"), ("Ours", "int8"),
                                                       ("Ort", "fp32"), ("Ort", "int8"))]
                        + [ratio(v[("Ours", "bf16")], v[("Ort", "fp32")]), ratio(v[("Ours", "int8")], v[("Ort", "fp32")]),
                           ratio(v[("Ours", "int8")], v[("Ort", "int8")])])
    if not rows:
        return []
    return ["### The same under JMH (α 1.0, 224; mean ms)", "",
            "`NetworkOurs`/`BatchOurs` with `precision` fp32/bf16/int8 and `NetworkOrt`/`BatchOrt` with fp32/int8 "
            "(the QDQ graph): JMH forks run minutes apart, so these ratios carry the machine's drift that the "
            "interleaved ones above do not.", "",
            table(["batch", "threads", "ours fp32", "ours bf16", "ours int8", "ORT fp32", "ORT int8",
                   "bf16 / ORT fp32", "int8 / ORT fp32", "int8 / ORT int8"], rows), ""]


def plot(jmh, native, path, precision=None):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib missing (apt-get install python3-matplotlib); no plot", file=sys.stderr)
        return False
    cells = (precision or {}).get("cells") or []
    if cells:
        fig = plt.figure(figsize=(12, 9.6))
        grid = fig.add_gridspec(2, 2)
        axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])]
        plot_precision(fig.add_subplot(grid[1, :]), cells)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=False)
    colors = {"1.0": "tab:blue", "0.75": "tab:orange", "0.5": "tab:green", "0.25": "tab:red"}
    plotted = bool(cells)
    for ax, t in zip(axes, (1, 2)):
        for a in ALPHAS:
            for label, style, get in (
                    ("ours", "-o", lambda r: jmh.latency("NetworkOurs", alpha=a, resolution=r, threads=t, precision="fp32")[0]),
                    ("ORT", "--s", lambda r: jmh.latency("NetworkOrt", alpha=a, resolution=r, threads=t, precision="fp32")[0]),
                    ("native", ":^", lambda r: native.get((a, r, 1, t), (None,))[0])):
                pts = [(r, get(r)) for r in RESOLUTIONS]
                pts = [(r, v) for r, v in pts if v is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=colors[a], label=f"{label} α {a}",
                            markersize=4)
                    plotted = True
        ax.set_title(f"MobileNetV1 batch 1, {t} thread{'s' if t > 1 else ''}")
        ax.set_xlabel("resolution")
        ax.set_ylabel("mean latency (ms, log scale)")
        ax.set_yscale("log")
        ax.set_xticks(RESOLUTIONS)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, ncol=3)
    fig.suptitle("latency by α and resolution: mobilenetj (solid), ONNX Runtime (dashed), native C (dotted)"
                 + ("; below: reduced precision" if cells else ""))
    fig.tight_layout()
    if plotted:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return plotted


def plot_precision(ax, cells):
    """Per cell, each configuration's p50 relative to ONNX Runtime fp32 of the same round (median), as bars."""
    series = [("ours-fp32", "ours fp32", "tab:blue"), ("ours-bf16", "ours bf16", "tab:cyan"),
              ("ours-int8", "ours int8", "tab:green"), ("ort-int8", "ORT int8", "tab:orange"),
              ("c-bf16", "C bf16", "tab:gray"), ("c-int8", "C int8", "black")]
    width = 0.8 / len(series)
    for i, (config, label, color) in enumerate(series):
        xs, ys = [], []
        for j, c in enumerate(cells):
            values = [x["p50"][config] / x["p50"]["ort-fp32"] for x in c["rounds"]
                      if x["p50"].get(config) and x["p50"].get("ort-fp32")]
            if values:
                xs.append(j - 0.4 + (i + 0.5) * width)
                ys.append(statistics.median(values))
        if xs:
            ax.bar(xs, ys, width, label=label, color=color)
    for y, text in ((0.55, "bf16 target 0.55"), (0.38, "int8 target 0.38"), (1.0, "ORT fp32")):
        ax.axhline(y, color="red" if y < 1 else "gray", linestyle=":", linewidth=1)
        ax.text(len(cells) - 0.5, y, text, fontsize=7, va="bottom", ha="right")
    ax.set_xticks(range(len(cells)))
    ax.set_xticklabels([cell_name(c).replace(" ", "\n") for c in cells], fontsize=6)
    ax.set_ylabel("p50 / ORT fp32 p50 (same round, median)")
    ax.set_title("reduced precision, interleaved (precision.py): latency relative to ONNX Runtime fp32")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=6)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=os.path.join(here, "results"))
    ap.add_argument("--out", default=os.path.join(here, "RESULTS.md"))
    ap.add_argument("--mode", default=None, help="quick or full (only changes the banner)")
    args = ap.parse_args()

    jmh = Jmh()
    for name in ("jmh.json", "jmh-build.json", "jmh-gc.json", "jmh-omp-passive.json", "jmh-torch.json",
                 "jmh-torch-default-malloc.json", "jmh-precision.json", "jmh-precision-ort.json"):
        p = os.path.join(args.results, name)
        if os.path.exists(p):
            jmh.add_file(p)
    machine = load_json(os.path.join(args.results, "machine.json")) if os.path.exists(
        os.path.join(args.results, "machine.json")) else None
    native = native_results(args.results)
    python_path = os.path.join(args.results, "pytorch-python.json")
    python = load_json(python_path) if os.path.exists(python_path) else None
    inter_path = os.path.join(args.results, "interleaved.json")
    interleaved = load_json(inter_path) if os.path.exists(inter_path) else None
    precision_runs = {}
    for name in ("precision.json", "precision-repeat.json"):
        path = os.path.join(args.results, name)
        precision_runs[name] = load_json(path) if os.path.exists(path) else None
    png = os.path.join(args.results, "latency.png")
    plotted = plot(jmh, native, png, precision_runs["precision.json"])

    mode = args.mode
    if mode is None:
        first = next((x["entry"] for x in jmh.entries if x["file"] == "jmh.json"), {})
        mode = "quick" if first.get("measurementIterations") == 1 and first.get("warmupIterations") == 0 else "full"
    md = ["# mobilenetj benchmark results", ""]
    if mode == "quick":
        md += ["> **Quick (smoke) run**: 1 fork, no warm-up, one short iteration, reduced parameters, on whatever "
               "else the machine was doing. It shows that every benchmark compiles and runs; the numbers are "
               "**not** measurements. Run `bench/run.sh full` on an idle machine for real ones.", ""]
    md += ["Generated by `bench/report.py` from `bench/results/*.json` (see [README.md](README.md) for what each "
           "benchmark measures).", "",
           "Setup in short: same network, same weights (`Weights.random(config, 42)`), same input for every engine. "
           "ONNX Runtime gets the network with BatchNorm folded into the convolutions (as mobilenetj folds it), "
           "`OptLevel.ALL_OPT`, intra-op threads = `threads`, inter-op 1, sequential execution, and input plus a "
           "pre-allocated (pinned) output tensor over direct buffers created once, run with "
           "`session.run(inputs, pinnedOutputs)`. mobilenetj runs `Session.run(MemorySegment, MemorySegment)` on "
           "native segments of a model built for `threads` OpenMP threads (`MobileNetV1.builder().threads(threads)`; "
           "oneDNN fixes a primitive's thread count when it creates it). `threads` = the engine's threads for one "
           "caller; JMH uses one caller thread.", ""]
    md += machine_section(machine, jmh, python) + [""]
    md += network_section(jmh, native)
    if plotted:
        md += ["![latency by α and resolution](results/latency.png)", ""]
    md += interleaved_section(interleaved)
    md += precision_section(precision_runs["precision.json"], precision_runs["precision-repeat.json"], machine, jmh)
    md += passive_section(jmh)
    md += batch_section(jmh, native)
    md += torch_section(jmh, python)
    md += layer_section(jmh)
    md += allocation_section(jmh, machine)
    md += build_section(jmh)
    md += kernels_section(machine)
    if not native:
        md += ["Native C baseline: no `results/native-*.json` (it runs in `run.sh full` when "
               "`native/build/mobilenet_bench` exists).", ""]
    cmds = os.path.join(args.results, "commands.txt")
    if os.path.exists(cmds):
        with open(cmds, encoding="utf-8") as f:
            md += ["## Commands", "", "Run from the repository root by `bench/run.sh`:", "", "```", f.read().rstrip(), "```", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"wrote {args.out}" + (f" and {png}" if plotted else " (no latency plot: no network results)"))


if __name__ == "__main__":
    main()
