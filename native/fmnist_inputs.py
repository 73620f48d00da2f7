#!/usr/bin/python3
"""Writes Fashion-MNIST images as mobilenet_bench input files, with the bundled model's transform
(train/fmnist.py: /255, bilinear resize to R x R, (x - 0.2860) / 0.3530).

    native/fmnist_inputs.py OUTDIR [--resolution 64] [--test 10000] [--calibration 300]

OUTDIR/test.bin (float32 [N, 1, R, R], little-endian) and OUTDIR/test-labels.bin (one u8 per image)
from the first --test test images; OUTDIR/calibration.bin from the first --calibration training images.
Needs python3-torch, python3-numpy and dataset-fashion-mnist (Debian packages).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import fmnist  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--test", type=int, default=10000)
    p.add_argument("--calibration", type=int, default=300)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    transform = fmnist.default_transform(a.resolution)
    x, y = fmnist.load("test")
    n = min(a.test, x.shape[0])
    fmnist.to_model_input(x[:n], a.resolution, transform).numpy().astype("<f4").tofile(os.path.join(a.out, "test.bin"))
    y[:n].numpy().astype(np.uint8).tofile(os.path.join(a.out, "test-labels.bin"))
    xt, _ = fmnist.load("train")
    m = min(a.calibration, xt.shape[0])
    fmnist.to_model_input(xt[:m], a.resolution, transform).numpy().astype("<f4").tofile(
        os.path.join(a.out, "calibration.bin"))
    print(f"fmnist_inputs: {n} test images (+ labels), {m} calibration images, {a.resolution}x{a.resolution} "
          f"({transform}) -> {a.out}")


if __name__ == "__main__":
    main()
