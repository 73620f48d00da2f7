#!/usr/bin/python3
"""Export a trained checkpoint (train/out/checkpoint.pt) to safetensors, test logits and sample PNGs.

  /usr/bin/python3 train/export.py [--checkpoint train/out/checkpoint.pt] [--out train/out]

Writes (safetensors written with the standard library + numpy, no safetensors package: safetensors_io.py):
  <out>/fashion-mnist-mobilenet_v1.safetensors  eval-mode state_dict (num_batches_tracked dropped),
                                                F32, or F16 if the F32 file would exceed 8 MB
  <out>/fashion-mnist-test-logits.safetensors   logits F32 [10000,10] + labels I64 [10000],
                                                computed from the weights re-loaded FROM the file above
  <out>/samples/<class>-<name>.png              first test image of each class, 28x28 grayscale
"""
import argparse
import json
import os
import re
import struct
import sys
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402
from mobilenet_v1 import MobileNetV1  # noqa: E402
from safetensors_io import parse_safetensors, safetensors_bytes, write_file  # noqa: E402

MODEL_FILE = "fashion-mnist-mobilenet_v1.safetensors"
LOGITS_FILE = "fashion-mnist-test-logits.safetensors"
F16_THRESHOLD_BYTES = 8 * 1024 * 1024

# ---------------------------------------------------------------- PNG (stdlib)
def write_png_gray(path, img_u8):
    h, w = img_u8.shape
    raw = b"".join(b"\x00" + img_u8[r].tobytes() for r in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# ---------------------------------------------------------------- main
def model_from_tensors(tensors, alpha):
    model = MobileNetV1(ch_in=1, n_classes=10, alpha=alpha)
    sd = {name: torch.from_numpy(arr.astype(np.float32)) for name, _, arr in tensors}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    return model.eval()


@torch.inference_mode()
def test_logits(model, x_u8, resolution, transform, batch_size=500):
    model.eval()
    return torch.cat([model(fmnist.to_model_input(x_u8[i:i + batch_size], resolution, transform))
                      for i in range(0, len(x_u8), batch_size)]).float()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=os.path.join(HERE, "out", "checkpoint.pt"))
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    ck = torch.load(args.checkpoint, map_location="cpu")
    alpha, res, transform = ck["alpha"], ck["resolution"], ck["transform"]
    os.makedirs(args.out, exist_ok=True)
    x_test, y_test = fmnist.load("test")

    # eval-mode state_dict (BN running stats), num_batches_tracked dropped
    sd = [(k, v.detach().cpu().numpy()) for k, v in ck["state_dict"].items()
          if not k.endswith("num_batches_tracked")]
    f32_bytes = sum(a.size * 4 for _, a in sd)
    wdtype = "F16" if f32_bytes > F16_THRESHOLD_BYTES else "F32"
    tensors = [(k, wdtype, a) for k, a in sd]

    # accuracy of the model as it will be stored (incl. F16 rounding if any)
    _, stored = parse_safetensors(safetensors_bytes(tensors, {}))
    acc_stored = (test_logits(model_from_tensors(stored, alpha), x_test, res, transform).argmax(1)
                  == y_test).float().mean().item()

    metadata = {
        "format": "pt",
        "architecture": "mobilenet_v1",
        "width_multiplier": repr(float(alpha)),
        "resolution": str(res),
        "in_channels": "1",
        "num_classes": "10",
        "activation": "relu",
        "bn_eps": "1e-05",
        "input_transform": transform,
        "mean": fmnist.MEAN_STR,
        "std": fmnist.STD_STR,
        "labels": json.dumps(fmnist.LABELS, separators=(",", ":")),
        "dataset": "Fashion-MNIST",
        "test_accuracy": f"{acc_stored:.4f}",
        "epochs": str(ck["epochs"]),
        "training_command": ck["command"],
    }
    model_path = os.path.join(args.out, MODEL_FILE)
    write_file(model_path, safetensors_bytes(tensors, metadata))

    # reload FROM the written file and compute the reference logits
    with open(model_path, "rb") as f:
        meta_r, tensors_r = parse_safetensors(f.read())
    assert meta_r == metadata
    model = model_from_tensors(tensors_r, float(meta_r["width_multiplier"]))
    logits = test_logits(model, x_test, int(meta_r["resolution"]), meta_r["input_transform"])
    acc = (logits.argmax(1) == y_test).float().mean().item()
    assert f"{acc:.4f}" == metadata["test_accuracy"], (acc, metadata["test_accuracy"])
    logits_path = os.path.join(args.out, LOGITS_FILE)
    write_file(logits_path, safetensors_bytes(
        [("logits", "F32", logits.numpy()), ("labels", "I64", y_test.numpy())],
        {"test_accuracy": f"{acc:.4f}", "model": MODEL_FILE, "input_transform": transform,
         "resolution": str(res), "mean": fmnist.MEAN_STR, "std": fmnist.STD_STR}))

    # one sample PNG per class: the first test image of that class
    sdir = os.path.join(args.out, "samples")
    os.makedirs(sdir, exist_ok=True)
    picks = []
    for c, name in enumerate(fmnist.LABELS):
        i = int((y_test == c).nonzero()[0])
        fn = f"{c}-{slug(name)}.png"
        write_png_gray(os.path.join(sdir, fn), x_test[i].numpy())
        picks.append(f"{fn}=test[{i}] (pred {int(logits[i].argmax())})")

    print(f"checkpoint test acc (fp32 training weights): {ck['test_acc']:.4f}")
    print(f"wrote {model_path} ({os.path.getsize(model_path)} bytes, {wdtype}, {len(tensors)} tensors)")
    print(f"wrote {logits_path} ({os.path.getsize(logits_path)} bytes); test accuracy from exported weights {acc:.4f}")
    print("samples: " + ", ".join(picks))


if __name__ == "__main__":
    main()
