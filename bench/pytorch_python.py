#!/usr/bin/python3
"""Python PyTorch as a benchmark peer: the reference MobileNetV1 (train/mobilenet_v1.py) with the benchmarks'
weights, run as its users run it: model.eval(), torch.inference_mode(), NCHW float32, BatchNorm not folded,
no TorchScript. Debian's python3-torch (1.13) here.

  /usr/bin/python3 bench/pytorch_python.py --weights W.safetensors --reference R.safetensors \
      --threads 1 2 --batch 1 8 --iterations 300 --out results/pytorch-python.json

W comes from WriteWeights (reference state_dict names, F32), R from WriteReference (tensors `input`
[batch,3,H,W] and mobilenetj's `logits` for it). For every (threads, batch) the script times `iterations`
forward passes after `warmup` passes (time.perf_counter_ns around each call) and reports mean and
percentiles in ms, plus the largest absolute difference between its logits and mobilenetj's.
torch.set_num_threads(t) sets the intra-op threads; inter-op threads are fixed at 1 before any work.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
from export import parse_safetensors  # noqa: E402
from mobilenet_v1 import MobileNetV1  # noqa: E402


def load(path):
    with open(path, "rb") as f:
        return parse_safetensors(f.read())


def build_model(weights_path, alpha, classes):
    _, tensors = load(weights_path)
    model = MobileNetV1(ch_in=3, n_classes=classes, alpha=alpha)
    state = {name: torch.from_numpy(arr.astype(np.float32)) for name, _, arr in tensors}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or not all(k.endswith("num_batches_tracked") for k in missing):
        raise SystemExit(f"{weights_path}: missing {missing}, unexpected {unexpected}")
    return model.eval()


def percentile(sorted_ms, p):
    # nearest-rank, like the native baseline's report
    k = max(0, min(len(sorted_ms) - 1, int(np.ceil(p / 100.0 * len(sorted_ms))) - 1))
    return sorted_ms[k]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--iterations", type=int, default=300, help="timed runs at batch 1 (batch b: max(min-runs, n/b))")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--min-runs", type=int, default=10, help="fewest timed runs at any batch")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    torch.set_num_interop_threads(1)
    model = build_model(args.weights, args.alpha, args.classes)
    _, ref = load(args.reference)
    ref = {name: arr for name, _, arr in ref}
    images = torch.from_numpy(np.array(ref["input"], dtype=np.float32))
    ours = np.array(ref["logits"], dtype=np.float32)

    results = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for batch in args.batch:
            if batch > images.shape[0]:
                raise SystemExit(f"--reference has {images.shape[0]} images, batch {batch} asked for")
            x = images[:batch].contiguous()
            runs = args.iterations if batch == 1 else max(args.min_runs, args.iterations // batch)
            with torch.inference_mode():
                for _ in range(args.warmup if batch == 1 else max(3, args.warmup // batch)):
                    out = model(x)
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter_ns()
                    out = model(x)
                    times.append((time.perf_counter_ns() - t0) / 1e6)
            diff = float(np.max(np.abs(out.numpy() - ours[:batch])))
            s = sorted(times)
            r = {
                "threads": threads, "batch": batch, "iterations": runs,
                "mean_ms": float(np.mean(times)), "p50_ms": percentile(s, 50), "p90_ms": percentile(s, 90),
                "p99_ms": percentile(s, 99), "min_ms": s[0],
                "max_abs_diff_vs_mobilenetj": diff, "max_abs_logit": float(np.max(np.abs(ours[:batch]))),
            }
            results.append(r)
            print(f"python pytorch {torch.__version__}: threads {threads} batch {batch}: p50 {r['p50_ms']:.2f} ms, "
                  f"mean {r['mean_ms']:.2f} ms over {runs} runs; max |logit diff| vs mobilenetj {diff:.3g}", flush=True)

    info = {
        "engine": "python-pytorch", "torch": torch.__version__, "python": platform.python_version(),
        "mkldnn": torch.backends.mkldnn.is_available(), "alpha": args.alpha,
        "resolution": int(images.shape[-1]), "path": "model.eval() + torch.inference_mode(), NCHW float32, BN unfolded",
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
