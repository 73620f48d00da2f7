#!/usr/bin/python3
"""Train MobileNetV1 (ch_in=1, n_classes=10) on Fashion-MNIST and export it.

Example (the command used for the shipped model is in README.md):
  nice -n 19 /usr/bin/python3 train/train.py --alpha 1.0 --resolution 32 --epochs 15
"""
import argparse
import math
import os
import random
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402
from mobilenet_v1 import MobileNetV1  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--alpha", type=float, default=1.0, help="width multiplier")
    p.add_argument("--resolution", type=int, default=32, help="model input size R (RxR)")
    p.add_argument("--transform", choices=["pad", "resize_bilinear"], default=None,
                   help="28x28 -> RxR: 'pad' (centred zero pad) or 'resize_bilinear'; "
                        "default: pad if R<=32 else resize_bilinear")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1, help="peak SGD learning rate (OneCycle)")
    p.add_argument("--pct-start", type=float, default=0.15, help="OneCycle warm-up fraction")
    p.add_argument("--weight-decay", type=float, default=5e-4, help="on conv/linear weights only")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--crop-pad", type=int, default=2, help="random-crop padding (28x28 pixels)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join(HERE, "out"), help="output directory")
    p.add_argument("--probe-steps", type=int, default=0,
                   help="timing probe: run this many training steps, print s/step and exit")
    p.add_argument("--no-export", action="store_true", help="skip export after training")
    p.add_argument("--resume", default=None,
                   help="continue from a checkpoint.pt: its epochs count as done, the OneCycle schedule "
                        "(--epochs/--pct-start) and the data RNG are fast-forwarded past them")
    return p.parse_args(argv)


def set_seeds(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def augment(x_u8, pad, gen):
    """Random crop with zero padding + random horizontal flip on uint8 [N,28,28]."""
    n, h, w = x_u8.shape
    flip = torch.rand(n, generator=gen) < 0.5
    if pad > 0:
        xp = torch.nn.functional.pad(x_u8, (pad, pad, pad, pad), value=0)
        offs = torch.randint(0, 2 * pad + 1, (n, 2), generator=gen)
        out = torch.empty_like(x_u8)
        for i in range(n):
            dy, dx = int(offs[i, 0]), int(offs[i, 1])
            out[i] = xp[i, dy:dy + h, dx:dx + w]
    else:
        out = x_u8.clone()
    out[flip] = out[flip].flip(-1)
    return out


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, prm in model.named_parameters():
        (decay if prm.dim() > 1 else no_decay).append(prm)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


@torch.inference_mode()
def evaluate(model, x_u8, y, resolution, transform, batch_size=500):
    model.eval()
    correct, logits_all = 0, []
    for i in range(0, len(x_u8), batch_size):
        xb = fmnist.to_model_input(x_u8[i:i + batch_size], resolution, transform)
        logits = model(xb)
        logits_all.append(logits)
        correct += (logits.argmax(1) == y[i:i + batch_size]).sum().item()
    return correct / len(x_u8), torch.cat(logits_all)


def main(argv=None):
    args = parse_args(argv)
    transform = args.transform or fmnist.default_transform(args.resolution)
    torch.set_num_threads(args.threads)
    set_seeds(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    command = "/usr/bin/python3 train/train.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))

    x_train, y_train = fmnist.load("train")
    x_test, y_test = fmnist.load("test")

    model = MobileNetV1(ch_in=1, n_classes=10, alpha=args.alpha)
    n_params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    total_steps = args.epochs * steps_per_epoch
    opt = torch.optim.SGD(param_groups(model, args.weight_decay), lr=args.lr, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total_steps,
                                                pct_start=args.pct_start, anneal_strategy="cos",
                                                div_factor=25.0, final_div_factor=1e3)
    crit = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    if args.probe_steps:
        model.train()
        times = []
        for step in range(args.probe_steps):
            idx = torch.randint(0, len(x_train), (args.batch_size,), generator=gen)
            t0 = time.time()
            xb = fmnist.to_model_input(augment(x_train[idx], args.crop_pad, gen), args.resolution, transform)
            loss = crit(model(xb), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times.append(time.time() - t0)
        t = sorted(times[1:])[len(times[1:]) // 2] if len(times) > 1 else times[0]
        print(f"probe alpha={args.alpha} R={args.resolution} transform={transform} bs={args.batch_size} "
              f"params={n_params} median {t:.3f} s/step -> {t * steps_per_epoch / 60:.1f} min/epoch (train only)")
        return

    os.makedirs(args.out, exist_ok=True)
    history, start_epoch = [], 1
    if args.resume:
        ck = torch.load(args.resume, map_location="cpu")
        for k in ("alpha", "resolution", "transform"):
            assert ck[k] == (transform if k == "transform" else getattr(args, k)), (k, ck[k])
        for k in ("batch_size", "lr", "weight_decay", "label_smoothing", "crop_pad", "seed"):
            assert ck["args"][k] == getattr(args, k), (k, ck["args"][k], getattr(args, k))
        model.load_state_dict(ck["state_dict"])
        if "optimizer" in ck:
            opt.load_state_dict(ck["optimizer"])
        history = ck["history"]
        start_epoch = ck["epochs"] + 1
        # fast-forward the data RNG exactly as the skipped epochs consumed it
        for _ in range(1, start_epoch):
            torch.randperm(len(x_train), generator=gen)
            for s in range(steps_per_epoch):
                n = min(args.batch_size, len(x_train) - s * args.batch_size)
                torch.rand(n, generator=gen)
                if args.crop_pad > 0:
                    torch.randint(0, 2 * args.crop_pad + 1, (n, 2), generator=gen)
        # fast-forward the LR schedule
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range((start_epoch - 1) * steps_per_epoch):
                sched.step()
        command = f"{ck['command']}  [stopped after epoch {ck['epochs']}]  &&  {command}"
    log_f = open(os.path.join(args.out, "train-log.txt"), "a" if args.resume else "w")

    def log(msg):
        print(msg, flush=True)
        log_f.write(msg + "\n")
        log_f.flush()

    if args.resume:
        log(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}  resumed from {args.resume} after "
            f"epoch {start_epoch - 1}; LR schedule now OneCycle over {args.epochs} epochs, pct_start={args.pct_start}; "
            f"lr now {sched.get_last_lr()[0]:.4e}")
    log(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}  command: {command}")
    log(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, seed {args.seed}")
    log(f"# MobileNetV1 alpha={args.alpha} resolution={args.resolution} transform={transform} "
        f"params={n_params} epochs={args.epochs} batch={args.batch_size} SGD(nesterov, m=0.9) "
        f"OneCycle(max_lr={args.lr}, pct_start={args.pct_start}, cos) wd={args.weight_decay} label_smoothing={args.label_smoothing} "
        f"aug=random_crop(pad={args.crop_pad})+hflip")
    log("epoch  lr_end     loss    train_acc  test_acc  epoch_s  total_s")

    t_start = time.time() - sum(h["epoch_s"] for h in history)
    for epoch in range(start_epoch, args.epochs + 1):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for s in range(steps_per_epoch):
            idx = perm[s * args.batch_size:(s + 1) * args.batch_size]
            xb = fmnist.to_model_input(augment(x_train[idx], args.crop_pad, gen), args.resolution, transform)
            yb = y_train[idx]
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
        test_acc, _ = evaluate(model, x_test, y_test, args.resolution, transform)
        dt = time.time() - t0
        rec = dict(epoch=epoch, loss=loss_sum / seen, train_acc=correct / seen, test_acc=test_acc,
                   epoch_s=dt, lr=sched.get_last_lr()[0])
        history.append(rec)
        log(f"{epoch:5d}  {rec['lr']:.2e}  {rec['loss']:.4f}  {rec['train_acc']:.4f}     {test_acc:.4f}    "
            f"{dt:7.1f}  {time.time() - t_start:7.1f}")
        torch.save({"state_dict": model.state_dict(), "alpha": args.alpha, "resolution": args.resolution,
                    "transform": transform, "epochs": epoch, "epochs_planned": args.epochs,
                    "test_acc": test_acc, "history": history, "command": command,
                    "args": vars(args), "optimizer": opt.state_dict()}, os.path.join(args.out, "checkpoint.pt.tmp"))
        os.replace(os.path.join(args.out, "checkpoint.pt.tmp"), os.path.join(args.out, "checkpoint.pt"))
    total = time.time() - t_start
    log(f"# done: {args.epochs} epochs, summed epoch wall time {total:.0f} s ({total / 60:.1f} min); final test accuracy {history[-1]['test_acc']:.4f}")
    log_f.close()

    if not args.no_export:
        import export
        export.main(["--checkpoint", os.path.join(args.out, "checkpoint.pt"), "--out", args.out])


if __name__ == "__main__":
    main()
