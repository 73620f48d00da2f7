#!/usr/bin/python3
"""Convert a MobileNetV1 checkpoint to a self-describing safetensors file that mobilenetj loads.

  /usr/bin/python3 train/convert.py INPUT -o OUTPUT.safetensors [options]

INPUT is a PyTorch checkpoint (.pt/.pth/.bin/.ckpt: a state_dict, or a dict holding one under
state_dict/model_state_dict/model, possibly saved from DataParallel with 'module.' prefixes) or a
.safetensors file, with the names of either
  reference  train/mobilenet_v1.py:   model.{i}.{j}.*, fc.weight, fc.bias
  timm       timm's mobilenetv1_100 (and _125, or any width whose channels are int(c * alpha)):
             conv_stem.weight, bn1.*, blocks.{s}.{b}.{conv_dw,bn1,conv_pw,bn2}.*, classifier.*
The width multiplier, input channels and classes are read off the shapes; every tensor is then
checked against MobileNetV1's architecture (names, shapes, float dtype, finite values), and anything
else is refused with the list of what does not fit. num_batches_tracked is dropped; weights are
written as F32 unless --dtype says otherwise, under the input's names, in state_dict order.

The file's __metadata__ says everything the library needs (architecture, width_multiplier,
resolution, in_channels, num_classes, activation, bn_eps, input_transform, mean, std, labels),
with these defaults:
  reference  ReLU, bn_eps 1e-05, 224x224, input_transform imagenet with ImageNet's mean/std
             (3 channels); interpolation and crop_pct only when given
  timm       ReLU6, bn_eps 1e-05, 224x224, input_transform imagenet with mean = std = 0.5,0.5,0.5,
             interpolation bicubic, crop_pct 0.875 (0.9 at alpha 1.25): timm's pretrained cfgs of
             mobilenetv1_100/_125.ra4_e3600_r224_in1k
  labels     --labels FILE (one class name per line), else ImageNet's 1000 names for 1000 classes
Every value can be set with an option. interpolation (bilinear or bicubic) and crop_pct record how
the weights were evaluated; mobilenetj's 'imagenet' transform follows them (a Pillow resize of the
shorter side to floor(R / crop_pct), else round(256 * R / 224), then a centre crop of R).

Exit status: 0 written, 1 refused (the message says why), 2 bad command line.
Needs only numpy: checkpoints in torch.save's zip format (PyTorch >= 1.6) are read without PyTorch and
without running code from the file; PyTorch is needed for the legacy format and --unsafe-pickle.

ImageNet-trained weights (timm, Apache-2.0), e.g.:
  https://huggingface.co/timm/mobilenetv1_100.ra4_e3600_r224_in1k/resolve/main/model.safetensors
  /usr/bin/python3 train/convert.py model.safetensors -o mobilenetv1_100.safetensors
"""
import argparse
import hashlib
import json
import math
import os
import sys
import zipfile
from collections import OrderedDict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_checkpoint  # noqa: E402
from safetensors_io import (SafetensorsError, as_float32, bf16_bits, parse_safetensors,  # noqa: E402
                            safetensors_bytes, write_file)

IMAGENET_LABELS = os.path.join(HERE, "..", "src", "main", "resources", "io", "github", "mobilenetj", "image",
                               "imagenet-classes.txt")

# MobileNetV1 at alpha = 1 (Howard et al. 2017, Table 1; the paper's second-to-last stride-2
# depthwise layer has stride 1 everywhere): (input channels, output channels) of model.0 .. model.13.
# Strides and padding do not show in the weights; both namings use 3x3 convolutions with symmetric
# padding 1 and strides 2,1,2,1,2,1,2,1,1,1,1,1,2,1.
PLAN = [(None, 32), (32, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512),
        (512, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 1024), (1024, 1024)]
FEATURES = 1024
BN_FIELDS = ("weight", "bias", "running_mean", "running_var")
TIMM_STAGES = (1, 2, 2, 6, 2)  # timm's _gen_mobilenet_v1: dsa_r1 c64, dsa_r2 c128, dsa_r2 c256, dsa_r6 c512, dsa_r2 c1024

# The library's bounds (io.github.mobilenetj.model.ModelConfig)
MAX_WIDTH_MULTIPLIER = 4.0
MAX_RESOLUTION = 2048
MAX_CLASSES = 1 << 20
MAX_IN_CHANNELS = 64

IMAGENET_MEAN, IMAGENET_STD = "0.485,0.456,0.406", "0.229,0.224,0.225"
INCEPTION_MEAN, INCEPTION_STD = "0.5,0.5,0.5", "0.5,0.5,0.5"

# Defaults per naming: what the weights of that naming are trained and evaluated with.
DEFAULTS = {
    # train/mobilenet_v1.py: nn.ReLU, nn.BatchNorm2d (eps 1e-5); torchvision's ImageNet evaluation transform.
    # How such weights were evaluated is not known: interpolation/crop_pct only when given.
    "reference": dict(activation="relu", bn_eps="1e-05", resolution=224, input_transform="imagenet",
                      mean3=IMAGENET_MEAN, std3=IMAGENET_STD, interpolation=None, crop_pct=None),
    # timm efficientnet.py _gen_mobilenet_v1: act_layer relu6, BatchNormAct2d eps 1e-5 (no bn_eps passed),
    # pad_type '' (symmetric); pretrained cfg mobilenetv1_100.ra4_e3600_r224_in1k: input_size 224,
    # crop_pct 0.875, interpolation bicubic, mean/std IMAGENET_INCEPTION_* = 0.5 (test_input_size 256 at 0.95);
    # mobilenetv1_125.ra4_e3600_r224_in1k: the same with crop_pct 0.9 (TIMM_CROP_PCT).
    "timm": dict(activation="relu6", bn_eps="1e-05", resolution=224, input_transform="imagenet",
                 mean3=INCEPTION_MEAN, std3=INCEPTION_STD, interpolation="bicubic", crop_pct="0.875"),
}
TIMM_CROP_PCT = {1.25: "0.9"}  # width -> crop_pct of timm's published weights where it is not 0.875
MODEL_KEYS = ("format", "architecture", "width_multiplier", "resolution", "in_channels", "num_classes", "activation",
              "bn_eps", "input_transform", "mean", "std", "labels", "interpolation", "crop_pct")
WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "module", "net")
AUTO_PREFIXES = ("module.", "_orig_mod.")  # DataParallel/DistributedDataParallel, torch.compile
FLOAT_DTYPES = ("F64", "F32", "F16", "BF16")


class Refused(Exception):
    """The input cannot be converted; the message says why (exit status 1)."""


# ---------------------------------------------------------------- architecture
def reference_shapes(alpha, in_channels, classes):
    """Reference state_dict names and shapes for this configuration, in state_dict order."""
    def c(n):
        return int(n * alpha)

    shapes = OrderedDict()
    for i, (cin, cout) in enumerate(PLAN):
        if cin is None:
            shapes[f"model.{i}.0.weight"] = (c(cout), in_channels, 3, 3)
            for f in BN_FIELDS:
                shapes[f"model.{i}.1.{f}"] = (c(cout),)
        else:
            shapes[f"model.{i}.0.weight"] = (c(cin), 1, 3, 3)
            for f in BN_FIELDS:
                shapes[f"model.{i}.1.{f}"] = (c(cin),)
            shapes[f"model.{i}.3.weight"] = (c(cout), c(cin), 1, 1)
            for f in BN_FIELDS:
                shapes[f"model.{i}.4.{f}"] = (c(cout),)
    shapes["fc.weight"] = (classes, c(FEATURES))
    shapes["fc.bias"] = (classes,)
    return shapes


def timm_name(reference):
    """timm's name for a reference name (io.github.mobilenetj.model.Naming does the same)."""
    if reference.startswith("fc."):
        return "classifier." + reference[3:]
    _, block, module, field = reference.split(".", 3)
    block, module = int(block), int(module)
    if block == 0:
        return ("conv_stem." if module == 0 else "bn1.") + field
    index, stage = block - 1, 0
    while index >= TIMM_STAGES[stage]:
        index -= TIMM_STAGES[stage]
        stage += 1
    return f"blocks.{stage}.{index}." + {0: "conv_dw.", 1: "bn1.", 3: "conv_pw.", 4: "bn2."}[module] + field


def name_in(naming, reference):
    return reference if naming == "reference" else timm_name(reference)


# ---------------------------------------------------------------- reading
def is_safetensors(path):
    with open(path, "rb") as f:
        head = f.read(9)
    if len(head) < 9:
        return False
    n = int.from_bytes(head[:8], "little")
    return head[8:9] == b"{" and 8 + n <= os.path.getsize(path)


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    try:
        _, tensors = parse_safetensors(buf, path)
    except SafetensorsError as e:
        raise Refused(str(e)) from None
    return OrderedDict((name, (dtype, arr)) for name, dtype, arr in tensors)


def read_checkpoint(path, key, unsafe):
    """(name -> (dtype, array), where the state_dict was found) of a pickled checkpoint.

    The zip format (torch.save since PyTorch 1.6) is read without PyTorch and without running code
    from the file (torch_checkpoint.py). --unsafe-pickle, and the legacy format, go through
    torch.load; the legacy format only with weights_only=True, where PyTorch has it.
    """
    if zipfile.is_zipfile(path) and not unsafe:
        try:
            obj = torch_checkpoint.load(path)
        except torch_checkpoint.CheckpointError as e:
            raise Refused(f"{path}: {e}") from None
        return find_state_dict(path, obj, key, lambda v: isinstance(v, torch_checkpoint.Tensor),
                               lambda v: (v.dtype, v.array), torch_checkpoint.module_state_dict)
    try:
        import torch
    except ImportError:
        raise Refused(f"{path}: {'--unsafe-pickle' if unsafe else 'a checkpoint in the legacy (pre-1.6) format'} "
                      f"needs PyTorch (Debian: apt-get install python3-torch)") from None
    import inspect
    has_weights_only = "weights_only" in inspect.signature(torch.load).parameters
    if not unsafe and not has_weights_only:
        raise Refused(f"{path}: a legacy-format checkpoint and a PyTorch without torch.load(weights_only=True): "
                      f"only --unsafe-pickle can read it")
    try:
        obj = torch.load(path, map_location="cpu", **({"weights_only": not unsafe} if has_weights_only else {}))
    except Exception as e:  # noqa: BLE001 - torch raises many kinds; all mean "cannot read"
        message = str(e).splitlines()[0] if str(e) else ""
        hint = "" if unsafe else " If you trust the file, --unsafe-pickle unpickles it fully (which can run code)."
        raise Refused(f"{path}: torch.load failed: {type(e).__name__}: {message}.{hint}") from None

    def to_numpy(t):
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return "BF16", t.view(torch.int16).numpy().view(np.uint16)
        tags = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.int64: "I64",
                torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
        if t.dtype not in tags:
            raise Refused(f"{path}: a tensor has dtype {t.dtype}, which this converter does not read")
        return tags[t.dtype], t.numpy()

    return find_state_dict(path, obj, key, torch.is_tensor, to_numpy,
                           lambda m: m.state_dict() if isinstance(m, torch.nn.Module) else None)


def find_state_dict(path, obj, key, is_tensor, to_numpy, module_state_dict):
    """The state_dict in a loaded checkpoint: `key`'s, else the top level if it is one, else the first
    of WRAPPER_KEYS holding one; a pickled module stands for its state_dict."""
    def as_state_dict(v):
        sd = module_state_dict(v)
        if sd is not None:
            v = sd
        return v if isinstance(v, dict) and v and all(is_tensor(t) for t in v.values()) else None

    where = "the file"
    if module_state_dict(obj) is not None:
        where = "the pickled module's state_dict"
    if key is not None:
        if not isinstance(obj, dict) or key not in obj:
            raise Refused(f"{path}: no key '{key}' at the top level; it has {describe(obj, is_tensor)}")
        sd, where = as_state_dict(obj[key]), f"'{key}'"
        if sd is None:
            raise Refused(f"{path}: '{key}' holds {describe(obj[key], is_tensor)}, not a state_dict (a dict of tensors)")
    else:
        sd = as_state_dict(obj)
        if sd is None and isinstance(obj, dict):
            for k in WRAPPER_KEYS:
                if k in obj and as_state_dict(obj[k]) is not None:
                    sd, where = as_state_dict(obj[k]), f"'{k}'"
                    break
        if sd is None:
            raise Refused(f"{path}: no state_dict found: the top level is not a dict of tensors and none of "
                          f"{', '.join(WRAPPER_KEYS)} holds one; it has {describe(obj, is_tensor)}. "
                          f"Name the key holding the state_dict with --state-dict-key")
    return OrderedDict((str(k), to_numpy(v)) for k, v in sd.items()), where


def describe(obj, is_tensor):
    if not isinstance(obj, dict):
        return f"a {type(obj).__name__}" if not isinstance(obj, torch_checkpoint.Opaque) else f"a {obj!r}"
    if not obj:
        return "no keys"
    items = [f"{k} ({'tensor' if is_tensor(v) else type(v).__name__})" for k, v in list(obj.items())[:8]]
    return "keys " + ", ".join(items) + (f" and {len(obj) - 8} more" if len(obj) > 8 else "")


def strip_prefixes(tensors, explicit):
    """Removes --strip-prefix once, else each of AUTO_PREFIXES that every name carries (repeatedly, so
    'module._orig_mod.' goes too). Returns (tensors, the prefixes removed)."""
    def strip(p):
        return OrderedDict((n[len(p):], v) for n, v in tensors.items())

    if explicit:
        others = [n for n in tensors if not n.startswith(explicit)]
        if others:
            raise Refused(f"--strip-prefix '{explicit}': not every name starts with it (e.g. {', '.join(others[:3])})")
        return strip(explicit), [explicit]
    stripped = []
    while tensors:
        p = next((p for p in AUTO_PREFIXES if all(n.startswith(p) for n in tensors)), None)
        if p is None:
            break
        tensors = strip(p)
        stripped.append(p)
    return tensors, stripped


# ---------------------------------------------------------------- checking
def detect_naming(names, forced):
    if forced:
        return forced
    if "conv_stem.weight" in names:
        return "timm"
    if "model.0.0.weight" in names:
        return "reference"
    some = ", ".join(list(names)[:6]) + (" ..." if len(names) > 6 else "")
    raise Refused("not a MobileNetV1 state_dict: it has neither 'model.0.0.weight' (train/mobilenet_v1.py) nor "
                  f"'conv_stem.weight' (timm's mobilenetv1_*); its {len(names)} tensors are {some or 'none'}")


def explain_unexpected(naming, unexpected):
    """Why unexpected names mean another architecture, where that can be told."""
    notes = []
    if naming == "timm":
        if any(n.startswith(("conv_head.", "bn2.")) for n in unexpected):
            notes.append("conv_head/bn2 are a 1x1 head convolution before pooling (timm's mobilenetv1_100h, "
                         "head_conv=True), which MobileNetV1 and this library do not have")
        if any(".se." in n for n in unexpected):
            notes.append("'.se.' tensors are squeeze-and-excitation blocks, not part of MobileNetV1")
        if any(".conv_pwl." in n or ".bn3." in n for n in unexpected):
            notes.append("conv_pwl/bn3 belong to inverted residual blocks (MobileNetV2/EfficientNet), not MobileNetV1")
        if any(".conv_s2d." in n for n in unexpected):
            notes.append("conv_s2d is a space-to-depth stem, not part of MobileNetV1")
    return notes


def check(tensors, naming, alpha, in_channels, classes):
    """Every problem of the tensors against MobileNetV1(alpha, in_channels, classes); [] if none."""
    expected = OrderedDict((name_in(naming, r), s) for r, s in reference_shapes(alpha, in_channels, classes).items())
    problems = []
    for name, shape in expected.items():
        if name not in tensors:
            problems.append(f"missing '{name}' {list(shape)}")
            continue
        dtype, arr = tensors[name]
        if tuple(arr.shape) != shape:
            problems.append(f"'{name}' has shape {list(arr.shape)}, expected {list(shape)}")
        if dtype not in FLOAT_DTYPES:
            problems.append(f"'{name}' has dtype {dtype}, expected a float type ({'/'.join(FLOAT_DTYPES)})")
    unexpected = [n for n in tensors if n not in expected and not n.endswith("num_batches_tracked")]
    for n in unexpected:
        problems.append(f"unexpected '{n}' {list(tensors[n][1].shape)}")
    return problems, explain_unexpected(naming, unexpected)


def first_non_finite(name, dtype, arr):
    values = as_float32(dtype, arr)
    bad = ~np.isfinite(values)
    if bad.any():
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), values.shape))
        return f"'{name}' has a non-finite value {values[index]} at index {list(index)} ({int(bad.sum())} in all)"
    return None


# ---------------------------------------------------------------- metadata
def parse_floats(option, text, channels):
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise Refused(f"{option} '{text}' is not a comma-separated list of numbers") from None
    if len(values) != channels:
        raise Refused(f"{option} '{text}' has {len(values)} values for {channels} input channels")
    if not all(math.isfinite(v) for v in values):
        raise Refused(f"{option} '{text}' has a value that is not finite")
    return ",".join(parts)


def read_labels(path, classes):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise Refused(f"--labels {path}: {e}") from None
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines):
        if line.strip() == "":
            raise Refused(f"--labels {path}: line {i + 1} is empty; the file has one class name per line")
    if len(lines) != classes:
        raise Refused(f"--labels {path}: {len(lines)} names for {classes} classes (the classifier's rows)")
    return lines


def build_metadata(args, naming, alpha, in_channels, classes, source_path, source_sha256):
    d = DEFAULTS[naming]
    notes = []
    if not 0 < alpha <= MAX_WIDTH_MULTIPLIER or int(32 * alpha) < 1:
        raise Refused(f"width multiplier {alpha} is outside (0, {MAX_WIDTH_MULTIPLIER}] or leaves no channels")
    resolution = args.resolution if args.resolution is not None else d["resolution"]
    if not 1 <= resolution <= MAX_RESOLUTION:
        raise Refused(f"--resolution {resolution} is outside 1..{MAX_RESOLUTION}")
    if not 1 <= classes <= MAX_CLASSES or not 1 <= in_channels <= MAX_IN_CHANNELS:
        raise Refused(f"{classes} classes / {in_channels} input channels are outside the library's bounds "
                      f"(1..{MAX_CLASSES} / 1..{MAX_IN_CHANNELS})")
    bn_eps = args.bn_eps if args.bn_eps is not None else d["bn_eps"]
    try:
        eps = float(bn_eps)
    except ValueError:
        raise Refused(f"--bn-eps '{bn_eps}' is not a number") from None
    if not 0 <= eps <= 1:
        raise Refused(f"--bn-eps {bn_eps} is outside [0, 1]")
    meta = OrderedDict(
        format="pt", architecture="mobilenet_v1", width_multiplier=repr(float(alpha)), resolution=str(resolution),
        in_channels=str(in_channels), num_classes=str(classes),
        activation=args.activation or d["activation"], bn_eps=repr(eps))

    # Preprocessing: the library turns images into input for 1 (grayscale) or 3 (RGB) channels only.
    given = [o for o, v in (("--input-transform", args.input_transform), ("--mean", args.mean), ("--std", args.std),
                            ("--interpolation", args.interpolation), ("--crop-pct", args.crop_pct)) if v is not None]
    if in_channels not in (1, 3):
        if given:
            raise Refused(f"{' '.join(given)}: the model has {in_channels} input channels; mobilenetj preprocesses "
                          f"images for 1 or 3 only, so such a model gets no image preprocessing metadata")
    else:
        transform = args.input_transform or d["input_transform"]
        meta["input_transform"] = transform
        if (args.mean is None) != (args.std is None):
            raise Refused("--mean and --std go together")
        if args.mean is not None:
            meta["mean"] = parse_floats("--mean", args.mean, in_channels)
            meta["std"] = parse_floats("--std", args.std, in_channels)
            if any(float(v) <= 0 for v in meta["std"].split(",")):
                raise Refused(f"--std '{args.std}' has a value that is not positive")
        elif in_channels == 3:
            meta["mean"], meta["std"] = d["mean3"], d["std3"]
        interpolation = args.interpolation or d["interpolation"]
        crop_pct = args.crop_pct if args.crop_pct is not None else (
            TIMM_CROP_PCT.get(alpha, d["crop_pct"]) if naming == "timm" else d["crop_pct"])
        if transform != "imagenet" and (args.interpolation is not None or args.crop_pct is not None):
            raise Refused(f"--interpolation/--crop-pct describe the 'imagenet' transform, not '{transform}'")
        if transform == "imagenet" and interpolation is not None:
            meta["interpolation"] = interpolation
        if transform == "imagenet" and crop_pct is not None:
            try:
                cp = float(crop_pct)
            except ValueError:
                raise Refused(f"--crop-pct '{crop_pct}' is not a number") from None
            if not 0 < cp <= 1:
                raise Refused(f"--crop-pct {crop_pct} is outside (0, 1]")
            meta["crop_pct"] = crop_pct

    if args.labels is not None:
        meta["labels"] = json.dumps(read_labels(args.labels, classes), ensure_ascii=False, separators=(",", ":"))
    elif classes == 1000 and not args.no_labels:
        if os.path.isfile(IMAGENET_LABELS):
            meta["labels"] = json.dumps(read_labels(IMAGENET_LABELS, 1000), ensure_ascii=False, separators=(",", ":"))
        else:
            notes.append(f"{IMAGENET_LABELS} not found: no labels written (the library names 1000 classes "
                         f"with ImageNet's labels anyway)")

    meta["source"] = os.path.basename(source_path)
    meta["source_sha256"] = source_sha256
    meta["source_naming"] = naming
    meta["converted_by"] = "mobilenetj train/convert.py"
    for item in args.meta or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise Refused(f"--meta '{item}' is not KEY=VALUE")
        if key in MODEL_KEYS:
            raise Refused(f"--meta {key}=...: '{key}' has its own option (see --help)")
        meta[key] = value
    return meta, notes


# ---------------------------------------------------------------- converting
def convert_dtype(name, dtype, arr, target):
    """(dtype, array) to write: F32 (default), F16, BF16, or 'keep' (F16/BF16/F32 as stored, F64 -> F32)."""
    if target == "keep":
        target = dtype.lower() if dtype in ("F32", "F16", "BF16") else "f32"
    values = None if (target == "bf16" and dtype == "BF16") else as_float32(dtype, arr)
    if target == "f32":
        return "F32", values
    if target == "f16":
        if dtype == "F16":
            return "F16", arr
        with np.errstate(over="ignore"):
            half = values.astype(np.float16)
        if not np.isfinite(half).all():
            raise Refused(f"'{name}' has values beyond F16's range (65504): keep F32 (--dtype f32)")
        return "F16", half
    if dtype == "BF16":
        return "BF16", arr
    bits = bf16_bits(values)
    return "BF16", bits


def convert(args):
    source = args.input
    if not os.path.isfile(source):
        raise Refused(f"{source}: no such file")
    if os.path.abspath(source) == os.path.abspath(args.output):
        raise Refused("the output would overwrite the input")
    if is_safetensors(source):
        if args.state_dict_key:
            raise Refused("--state-dict-key applies to pickled checkpoints, not to a safetensors file")
        tensors, where = read_safetensors(source), "the file"
    else:
        tensors, where = read_checkpoint(source, args.state_dict_key, args.unsafe_pickle)
    tensors, stripped = strip_prefixes(tensors, args.strip_prefix)
    naming = detect_naming(tensors, args.naming)

    def stem_and_fc():
        stem, fc = name_in(naming, "model.0.0.weight"), name_in(naming, "fc.weight")
        for n, rank in ((stem, 4), (fc, 2)):
            if n not in tensors or tensors[n][1].ndim != rank:
                shape = list(tensors[n][1].shape) if n in tensors else None
                raise Refused(f"{source}: not a MobileNetV1 state_dict in {naming} naming: '{n}' "
                              f"{'is missing' if shape is None else f'has shape {shape}'}, expected a {rank}-D tensor")
        return tensors[stem][1].shape, tensors[fc][1].shape

    stem_shape, fc_shape = stem_and_fc()
    alpha = args.width_multiplier if args.width_multiplier is not None else fc_shape[1] / FEATURES
    in_channels, classes = int(stem_shape[1]), int(fc_shape[0])
    for option, value, actual, what in (("--in-channels", args.in_channels, in_channels, "the first convolution's"),
                                        ("--num-classes", args.num_classes, classes, "the classifier's")):
        if value is not None and value != actual:
            raise Refused(f"{option} {value}, but {what} shape says {actual}: the weights fix it")
    if not 0 < alpha <= MAX_WIDTH_MULTIPLIER or int(32 * alpha) < 1:
        raise Refused(f"{source}: width multiplier {alpha} (from '{name_in(naming, 'fc.weight')}' {list(fc_shape)}) "
                      f"is outside (0, {MAX_WIDTH_MULTIPLIER}] or leaves no channels")
    problems, notes = check(tensors, naming, alpha, in_channels, classes)
    if problems:
        shown = problems[:25] + ([f"... and {len(problems) - 25} more"] if len(problems) > 25 else [])
        hint = ""
        if naming == "timm" and all("has shape" in p for p in problems):
            hint = ("\ntimm rounds channels to multiples of 8 (make_divisible(c * alpha, 8)); MobileNetV1 here has "
                    "int(c * alpha) channels, so this width cannot be loaded")
        elif args.width_multiplier is None and all("has shape" in p for p in problems):
            hint = f"\n(alpha {alpha} was read off the classifier; set it with --width-multiplier if that is wrong)"
        raise Refused(f"{source} ({where}, {naming} naming) is not MobileNetV1 alpha {alpha:g} with in_channels "
                      f"{in_channels} and {classes} classes: {len(problems)} tensor(s) do not fit:\n  "
                      + "\n  ".join(shown) + "".join(f"\n{n}" for n in notes) + hint)
    expected = [name_in(naming, r) for r in reference_shapes(alpha, in_channels, classes)]
    bad = [m for m in (first_non_finite(n, *tensors[n]) for n in expected) if m]
    if bad:
        raise Refused(f"{source}: " + "; ".join(bad[:10]))

    with open(source, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    metadata, notes = build_metadata(args, naming, alpha, in_channels, classes, source, sha256)
    out = [(n, *convert_dtype(n, *tensors[n], args.dtype)) for n in expected]
    dropped = sum(1 for n in tensors if n.endswith("num_batches_tracked"))
    write_file(args.output, safetensors_bytes(out, metadata))

    dtypes = sorted({d for _, d, _ in out})
    norm = (f" mean {metadata['mean']} std {metadata['std']}" if "mean" in metadata else "")
    transform = metadata.get("input_transform", "no image preprocessing")
    labels = f"{classes} labels" if "labels" in metadata else "no labels"
    channels = f"{in_channels} input channel{'s' if in_channels != 1 else ''}"
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes): MobileNetV1 alpha "
          f"{metadata['width_multiplier']} {resolution_of(metadata)}, {channels} -> {classes} classes, "
          f"{metadata['activation']}, bn_eps {metadata['bn_eps']}, {transform}{norm}, {labels}; {len(out)} tensors "
          f"{'/'.join(dtypes)} in {naming} names from {where}"
          + (f" (prefix {'+'.join(stripped)} removed)" if stripped else "")
          + (f", {dropped} num_batches_tracked dropped" if dropped else ""))
    for n in notes:
        print(f"note: {n}", file=sys.stderr)


def resolution_of(metadata):
    return f"{metadata['resolution']}x{metadata['resolution']}"


def parser():
    p = argparse.ArgumentParser(prog="convert.py", description=__doc__.split("\n\n")[0],
                                epilog=__doc__[__doc__.index("\n\n") + 2:],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="checkpoint (.pt/.pth/.bin/.ckpt, pickled by torch.save) or .safetensors file")
    p.add_argument("-o", "--output", required=True, help="the safetensors file to write (replaced if it exists)")
    g = p.add_argument_group("reading")
    g.add_argument("--naming", choices=("reference", "timm"), help="tensor names (default: detected)")
    g.add_argument("--state-dict-key", metavar="KEY",
                   help=f"key of the state_dict in a checkpoint dict (default: the first of {', '.join(WRAPPER_KEYS)}"
                        " holding one, or the top level)")
    g.add_argument("--strip-prefix", metavar="PREFIX",
                   help=f"remove this prefix from every name (default: {' and '.join(AUTO_PREFIXES)} when every name has it)")
    g.add_argument("--unsafe-pickle", action="store_true",
                   help="read the checkpoint with torch.load(weights_only=False), which can run code from the file: "
                        "only for files you trust (by default a checkpoint is read without PyTorch and without "
                        "running anything; classes it does not know stay inert data)")
    g = p.add_argument_group("model (checked against the weights)")
    g.add_argument("--width-multiplier", type=float, metavar="ALPHA",
                   help="alpha (default: the classifier's input features / 1024)")
    g.add_argument("--in-channels", type=int, help="input channels (the weights fix it)")
    g.add_argument("--num-classes", type=int, help="classes (the weights fix it)")
    g = p.add_argument_group("metadata")
    g.add_argument("--resolution", type=int, help="input height and width (default 224)")
    g.add_argument("--activation", choices=("relu", "relu6"), help="default: relu (reference), relu6 (timm)")
    g.add_argument("--bn-eps", help="BatchNorm epsilon (default 1e-05)")
    g.add_argument("--input-transform", choices=("imagenet", "pad", "resize_bilinear"),
                   help="how the library turns an image into input (default imagenet; see train/README.md)")
    g.add_argument("--mean", help="per-channel mean, comma-separated (default: ImageNet's for reference, "
                                  "0.5,0.5,0.5 for timm, with 3 channels)")
    g.add_argument("--std", help="per-channel std, comma-separated (defaults as --mean)")
    g.add_argument("--interpolation", choices=("bilinear", "bicubic"),
                   help="resize filter the weights were evaluated with, recorded (default: bicubic for timm)")
    g.add_argument("--crop-pct", help="crop / resize ratio the weights were evaluated with, recorded "
                                      "(default: 0.875 for timm, 0.9 at alpha 1.25)")
    labels = g.add_mutually_exclusive_group()
    labels.add_argument("--labels", metavar="FILE", help="class names, one per line (default: ImageNet's for 1000 classes)")
    labels.add_argument("--no-labels", action="store_true", help="write no labels")
    g.add_argument("--meta", action="append", metavar="KEY=VALUE", help="extra metadata entry (repeatable)")
    g = p.add_argument_group("output")
    g.add_argument("--dtype", choices=("f32", "f16", "bf16", "keep"), default="f32",
                   help="tensor type written (default f32; keep = F16/BF16/F32 as stored)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        convert(args)
    except Refused as e:
        print(f"convert.py: refused: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
