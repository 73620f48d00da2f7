#!/usr/bin/python3
"""Fixtures for ConverterTest (src/test/java/io/github/mobilenetj/model/ConverterTest.java).

  /usr/bin/python3 src/test/python/converter_fixtures.py OUT_DIR

Builds MobileNetV1 state_dicts with PyTorch, computes PyTorch's logits for fixed inputs in eval mode,
and writes the files the Java test hands to train/convert.py (which reads them without PyTorch):

  reference.pt              train/mobilenet_v1.py, alpha 0.5, 1 channel, 10 classes, 32x32, ReLU, as a
                            training checkpoint {"state_dict": {"module." + name: tensor}, "epoch", ...}
  module.pt                 the same model pickled whole (torch.save(model))
  untrusted.pt              its state_dict next to an object whose unpickling creates the file MARKER
  labels.txt                10 class names for --labels
  timm.safetensors          timm's mobilenetv1_* names (an independent module below, ReLU6, BN eps 1e-5),
                            alpha 0.25, 3 channels, 1000 classes, 64x64, F32 with num_batches_tracked,
                            no metadata: the shape of the file on the Hugging Face hub
  timm-bf16.safetensors     the same weights stored as BF16
  expected.safetensors      inputs and PyTorch logits:
                              reference.input/.logits   reference.pt's model (ReLU)
                              timm.input/.logits        timm.safetensors's model (ReLU6)
                              timm_bf16.logits          timm-bf16's weights, ReLU and BN eps 1e-3 (the
                                                        test converts it with --activation relu --bn-eps 1e-3)
                            and *.logits_other: the same with the other activation, to show the
                            comparison tells the activations apart
  refusal fixtures          not-mobilenet.safetensors, wrong-shapes.safetensors, timm-head.safetensors,
                            timm-035.safetensors, non-finite.safetensors, no-state-dict.pt

Exit status 77 (nothing written) when PyTorch or numpy cannot be imported: the test is skipped.
BatchNorm statistics are measured layer by layer on random data, then perturbed, and the affine
parameters drawn so that BatchNorm is far from the identity and ReLU6 clips (pre-activations often
exceed 6) while activations keep their scale through the depth.
"""
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:
    print(f"PyTorch/numpy not importable by {sys.executable}: {e} (Debian: apt-get install python3-torch)")
    sys.exit(77)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "train"))
from mobilenet_v1 import MobileNetV1  # noqa: E402
from safetensors_io import bf16_bits, safetensors_bytes, write_file  # noqa: E402

LABELS = ["T-shirt/top", "Trouser", "Pullover \"wool\"", "Dress", "Coat", "Sandal", "Shirt, long",
          "Sneaker", "Bag/ñ", "Ankle boot ✓"]


class Payload:
    """Unpickled for real, this creates the file `path` (pickle calls open(path, "w"))."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, "w")


def make_divisible(v, divisor=8, round_limit=0.9):
    """timm.layers.make_divisible (min_value = divisor)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < round_limit * v else new_v


class TimmMobileNetV1(nn.Module):
    """timm's mobilenetv1_* (EfficientNet with 'dsa' blocks) written independently: the same module
    names (conv_stem, bn1, blocks.s.b.{conv_dw, bn1, conv_pw, bn2}, classifier), symmetric padding,
    BN then activation after every convolution, no skip connections, global average pool, linear."""

    STAGES = [(1, 64, 1), (2, 128, 2), (2, 256, 2), (6, 512, 2), (2, 1024, 2)]  # repeats, channels, first stride

    def __init__(self, channels, in_chans=3, num_classes=1000, act=nn.ReLU6, eps=1e-5):
        super().__init__()
        self.act = act()
        stem = channels(32)
        self.conv_stem = nn.Conv2d(in_chans, stem, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem, eps=eps)
        stages, cin = [], stem
        for repeats, cout, stride in self.STAGES:
            blocks = []
            for i in range(repeats):
                block = nn.Module()
                block.conv_dw = nn.Conv2d(cin, cin, 3, stride if i == 0 else 1, 1, groups=cin, bias=False)
                block.bn1 = nn.BatchNorm2d(cin, eps=eps)
                block.conv_pw = nn.Conv2d(cin, channels(cout), 1, bias=False)
                block.bn2 = nn.BatchNorm2d(channels(cout), eps=eps)
                blocks.append(block)
                cin = channels(cout)
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.classifier = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.act(self.bn1(self.conv_stem(x)))
        for stage in self.blocks:
            for b in stage:
                x = self.act(b.bn1(b.conv_dw(x)))
                x = self.act(b.bn2(b.conv_pw(x)))
        return self.classifier(x.mean((2, 3)))


@torch.no_grad()
def randomize_batchnorm(model, calibration, gen):
    """BatchNorm layer by layer, in order, in eval mode: running statistics measured on the
    activations `calibration` produces with the layers before already set (so nothing blows up
    through the depth), then perturbed (mean +- 0.2 sigma, variance x [0.7, 1.4]); gamma in
    [0.5, 3], beta in [-0.5, 1.5], so pre-activations often exceed 6 and ReLU6 clips."""
    model.eval()
    for m in [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]:
        seen = []
        hook = m.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
        model(calibration)
        hook.remove()
        x = seen[0].transpose(0, 1).reshape(m.num_features, -1)
        n = m.num_features
        m.running_mean.copy_(x.mean(1) + 0.2 * torch.randn(n, generator=gen) * x.std(1))
        m.running_var.copy_(x.var(1) * torch.empty(n).uniform_(0.7, 1.4, generator=gen))
        m.weight.copy_(torch.empty(n).uniform_(0.5, 3.0, generator=gen))
        m.bias.copy_(torch.empty(n).uniform_(-0.5, 1.5, generator=gen))
        m.num_batches_tracked.fill_(100)


@torch.no_grad()
def logits(model, x):
    model.eval()
    return model(x).float().numpy()


def set_activation(model, act):
    """The reference model's nn.ReLU modules, or the timm module's act, swapped for `act`."""
    if isinstance(model, TimmMobileNetV1):
        model.act = act()
        return
    for seq in model.model:
        if isinstance(seq, nn.Sequential):
            for i, m in enumerate(seq):
                if isinstance(m, (nn.ReLU, nn.ReLU6)):
                    seq[i] = act()


def tensors_of(state_dict, dtype="F32"):
    out = []
    for k, v in state_dict.items():
        a = v.detach().numpy()
        if k.endswith("num_batches_tracked"):
            out.append((k, "I64", a))
        elif dtype == "BF16":
            out.append((k, "BF16", bf16_bits(a)))
        else:
            out.append((k, "F32", a))
    return out


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1234)
    expected = []

    # (a) the reference model as a DataParallel training checkpoint
    ref = MobileNetV1(ch_in=1, n_classes=10, alpha=0.5)
    randomize_batchnorm(ref, torch.randn(16, 1, 32, 32, generator=gen), gen)
    x_ref = torch.randn(2, 1, 32, 32, generator=gen)
    expected += [("reference.input", "F32", x_ref.numpy()), ("reference.logits", "F32", logits(ref, x_ref))]
    sd = ref.state_dict()
    torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}, "epoch": 7, "best_acc": 0.5,
                "optimizer": {"lr": 0.01}}, os.path.join(out, "reference.pt"))
    torch.save(ref, os.path.join(out, "module.pt"))  # the whole module pickled (torch.save(model))
    # A checkpoint that runs code when unpickled for real: open(MARKER, "w") creates the marker file.
    torch.save({"state_dict": sd, "payload": Payload(os.path.join(out, "MARKER"))}, os.path.join(out, "untrusted.pt"))
    set_activation(ref, nn.ReLU6)
    expected.append(("reference.logits_other", "F32", logits(ref, x_ref)))
    with open(os.path.join(out, "labels.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(LABELS) + "\n")

    # (b) timm names, ReLU6, as on the hub (alphabetical order, num_batches_tracked, no metadata)
    def timm_channels(c):
        return make_divisible(c * 0.25)  # 8, 16, 32, 64, 128, 256 = int(c * 0.25): loadable
    timm = TimmMobileNetV1(timm_channels)
    randomize_batchnorm(timm, torch.randn(8, 3, 64, 64, generator=gen), gen)
    x_timm = torch.randn(2, 3, 64, 64, generator=gen)
    expected += [("timm.input", "F32", x_timm.numpy()), ("timm.logits", "F32", logits(timm, x_timm))]
    timm_sd = timm.state_dict()
    write_file(os.path.join(out, "timm.safetensors"), safetensors_bytes(sorted(tensors_of(timm_sd)), {}))
    set_activation(timm, nn.ReLU)
    expected.append(("timm.logits_other", "F32", logits(timm, x_timm)))

    # (c) the same stored as BF16; PyTorch's logits of the BF16-rounded weights with ReLU and BN eps 1e-3
    write_file(os.path.join(out, "timm-bf16.safetensors"), safetensors_bytes(tensors_of(timm_sd, "BF16"), {}))
    rounded = TimmMobileNetV1(timm_channels, act=nn.ReLU, eps=1e-3)
    rounded.load_state_dict({k: (v if k.endswith("num_batches_tracked") else v.to(torch.bfloat16).float())
                             for k, v in timm_sd.items()})
    expected.append(("timm_bf16.logits", "F32", logits(rounded, x_timm)))
    set_activation(rounded, nn.ReLU6)
    expected.append(("timm_bf16.logits_other", "F32", logits(rounded, x_timm)))
    write_file(os.path.join(out, "expected.safetensors"), safetensors_bytes(expected, {}))

    # refusals
    mlp = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2))
    write_file(os.path.join(out, "not-mobilenet.safetensors"), safetensors_bytes(tensors_of(mlp.state_dict()), {}))
    bad = [(k, d, a) for k, d, a in tensors_of(sd) if k != "fc.bias"]
    bad = [(k, d, a[:, :-8] if k == "model.5.3.weight" else a) for k, d, a in bad]
    write_file(os.path.join(out, "wrong-shapes.safetensors"), safetensors_bytes(bad, {}))
    head = tensors_of(timm_sd) + [("conv_head.weight", "F32", np.zeros((256, 256, 1, 1), np.float32)),
                                  ("bn2.weight", "F32", np.ones(256, np.float32))]
    write_file(os.path.join(out, "timm-head.safetensors"), safetensors_bytes(head, {}))
    t035 = TimmMobileNetV1(lambda c: make_divisible(c * 0.35))  # 16, 24, 48, 88, 176, 360: not int(c * alpha)
    write_file(os.path.join(out, "timm-035.safetensors"), safetensors_bytes(tensors_of(t035.state_dict()), {}))
    nan = [(k, d, a.copy()) for k, d, a in tensors_of(sd)]
    for k, d, a in nan:
        if k == "model.3.1.running_var":
            a[5] = np.nan
    write_file(os.path.join(out, "non-finite.safetensors"), safetensors_bytes(nan, {}))
    torch.save({"optimizer": {"lr": 0.1}, "epoch": 3}, os.path.join(out, "no-state-dict.pt"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
