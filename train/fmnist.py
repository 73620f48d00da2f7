"""Fashion-MNIST IDX loading and the deterministic input transform.

Input transform (reproduced exactly by the Java side):
  1. x = uint8 pixel / 255.0                              (float32, 28x28, 1 channel)
  2. bring to R x R:
       "pad":             zero-pad centred (value 0.0, i.e. before normalisation);
                          left/top = (R-28)//2, right/bottom = R-28-left
       "resize_bilinear": torch.nn.functional.interpolate(x, size=(R, R), mode="bilinear",
                          align_corners=False, antialias=False)
  3. x = (x - MEAN) / STD with MEAN = 0.2860, STD = 0.3530
"""
import gzip
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860
STD = 0.3530
MEAN_STR = "0.2860"
STD_STR = "0.3530"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype_code == 0x08, "expected unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    assert arr.size == int(np.prod(dims))
    return arr.reshape(dims)


def load(split, data_dir=DATA_DIR):
    """Returns (images uint8 [N,28,28], labels int64 [N]) as torch tensors."""
    prefix = "train" if split == "train" else "t10k"
    x = _read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"))
    y = _read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"))
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def to_model_input(x_u8, resolution, transform):
    """uint8 [N,28,28] (or [N,1,28,28]) -> normalised float32 [N,1,R,R]."""
    x = x_u8.float().div(255.0)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    h, w = x.shape[-2:]
    if transform == "pad":
        assert resolution >= h and resolution >= w
        top = (resolution - h) // 2
        left = (resolution - w) // 2
        x = F.pad(x, (left, resolution - w - left, top, resolution - h - top), value=0.0)
    elif transform == "resize_bilinear":
        if (h, w) != (resolution, resolution):
            x = F.interpolate(x, size=(resolution, resolution), mode="bilinear",
                              align_corners=False, antialias=False)
    else:
        raise ValueError("unknown transform " + transform)
    return (x - MEAN) / STD


def default_transform(resolution):
    return "pad" if resolution <= 32 else "resize_bilinear"
