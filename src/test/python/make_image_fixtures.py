#!/usr/bin/python3
"""Generates the test images and reference tensors for io.github.mobilenetj.image.

The references come from the real Python stack (Pillow + torchvision + torch), so the Java
preprocessing is checked against what a PyTorch user would feed the model:

  imagenet : Image.open(p).convert(mode) -> Resize(resize, interpolation) -> CenterCrop(crop)
             -> ToTensor() -> Normalize(mean, std); interpolation bilinear (torchvision's default)
             or bicubic. With crop_pct it is timm's evaluation transform: resize =
             floor(crop / crop_pct) (timm.data.transforms_factory.transforms_imagenet_eval,
             crop_mode 'center', huggingface/pytorch-image-models commit aa4b5850), the rest is the
             same torchvision Resize (on the PIL image, so Pillow resamples) + CenterCrop + ToTensor
             + Normalize that timm composes; timm itself is not needed (nor packaged by Debian).
  pad      : ToTensor() -> CenterCrop(size) (zero-pads a smaller image) -> Normalize(mean, std)
  interp   : ToTensor() -> F.interpolate(bilinear, align_corners=False, antialias=False)
             -> Normalize(mean, std)

Each reference is raw little-endian float32 in CHW order; `fixtures.txt` lists one case per
line as key=value pairs. `<image>.rgb.u8` / `<image>.l.u8` hold Pillow's decoded 8-bit pixels
(HWC) so decoding can be checked apart from resampling; `<name>.u8` of a `resize` case holds
Pillow's 8-bit `Image.open(p).convert(mode).resize((width, height), filter)` (HWC) so the
resampler can be checked apart from the rest of the pipeline.

Run with Debian's interpreter (python3-torch, python3-torchvision, python3-pil, python3-numpy):
    /usr/bin/python3 src/test/python/make_image_fixtures.py [output-dir]
The default output dir is src/test/resources/io/github/mobilenetj/image of this repository.
Output is deterministic for a given Pillow/libjpeg/torch version (recorded in fixtures.txt).
"""

import io
import math
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import PIL
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
GRAY_MEAN = (0.5,)
GRAY_STD = (0.25,)
FASHION_MEAN = (0.2860,)
FASHION_STD = (0.3530,)
TIMM_MEAN = (0.5, 0.5, 0.5)  # timm's IMAGENET_INCEPTION_MEAN/STD: mobilenetv1_100/_125.ra4_e3600_r224_in1k
TIMM_STD = (0.5, 0.5, 0.5)
INTERPOLATION = {"bilinear": InterpolationMode.BILINEAR, "bicubic": InterpolationMode.BICUBIC}
PIL_FILTER = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def default_output_dir() -> Path:
    repo = Path(__file__).resolve().parents[3]
    return repo / "src/test/resources/io/github/mobilenetj/image"


def make_images(out: Path, rng: np.random.Generator) -> None:
    # RGB photo stand-in: smooth gradients (what resampling smooths) plus noise (what it must not
    # shift). JPEG with Pillow's default 4:2:0 chroma subsampling, as most photos are.
    h, w = 200, 300
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 / (w - 1), y * 255 / (h - 1), (x + y) % 256], axis=-1)
    rgb = np.clip(rgb + rng.normal(0, 25, rgb.shape), 0, 255).astype(np.uint8)
    Image.fromarray(rgb, "RGB").save(out / "rgb_300x200.jpg", quality=90)

    # Grayscale PNG, portrait orientation (width 180, height 240).
    h, w = 240, 180
    y, x = np.mgrid[0:h, 0:w]
    gray = np.clip(128 + 100 * np.sin(x / 9.0) * np.cos(y / 13.0) + rng.normal(0, 10, (h, w)), 0, 255)
    Image.fromarray(gray.astype(np.uint8), "L").save(out / "gray_180x240.png")

    # Palette PNG: an RGB pattern quantised to 64 colours.
    h, w = 100, 150
    y, x = np.mgrid[0:h, 0:w]
    pat = np.stack([(x * 7) % 256, (y * 5) % 256, ((x * y) // 7) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(pat, "RGB").quantize(colors=64).save(out / "palette_150x100.png")

    # RGBA PNG with varying alpha: convert('RGB') drops alpha, it does not composite.
    h, w = 90, 120
    y, x = np.mgrid[0:h, 0:w]
    rgba = np.stack([(x * 2) % 256, (y * 3) % 256, rng.integers(0, 256, (h, w)), (x + y) % 256], axis=-1)
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(out / "rgba_120x90.png")

    # Fashion-MNIST-like 28x28 'L' image: a bright blob on black.
    y, x = np.mgrid[0:28, 0:28]
    blob = 255 * np.exp(-(((x - 14) / 6.0) ** 2 + ((y - 12) / 9.0) ** 2))
    blob = np.clip(blob + rng.normal(0, 8, blob.shape), 0, 255).astype(np.uint8)
    Image.fromarray(blob, "L").save(out / "fashion_28x28.png")

    # Other modes and formats, checked for decoding parity only: 1-bit PNG, gray+alpha PNG, GIF, BMP.
    h, w = 17, 33
    y, x = np.mgrid[0:h, 0:w]
    Image.fromarray(((x + y) % 3 == 0).astype(np.uint8) * 255, "L").convert("1").save(out / "bilevel_33x17.png")
    la = np.stack([(x * 7) % 256, (y * 15) % 256], axis=-1).astype(np.uint8)
    Image.fromarray(la, "LA").save(out / "la_33x17.png")
    Image.fromarray(pat[:h, :w], "RGB").quantize(colors=16).save(out / "palette_33x17.gif")
    Image.fromarray(rgb[:h, :w], "RGB").save(out / "rgb_33x17.bmp")

    # CMYK JPEG: must be rejected with a clear message.
    Image.fromarray(rgb[:48, :64], "RGB").convert("CMYK").save(out / "cmyk_64x48.jpg", quality=90)

    # 16-bit PNGs. Pillow cannot write 16-bit RGB, so a minimal PNG encoder writes both.
    h, w = 30, 40
    rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
    write_png16(out / "rgb16_40x30.png", rgb16, colour_type=2)
    gray16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
    write_png16(out / "gray16_40x30.png", gray16[..., None], colour_type=0)


def write_png16(path: Path, samples: np.ndarray, colour_type: int) -> None:
    h, w, _ = samples.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + samples[r].astype(">u2").tobytes() for r in range(h))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour_type, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows, 9))
    png += chunk(b"IEND", b"")
    path.write_bytes(png)


def save_f32(path: Path, tensor: torch.Tensor) -> None:
    path.write_bytes(tensor.detach().contiguous().numpy().astype("<f4").tobytes())


def fmt(values) -> str:
    return ",".join(repr(float(v)) for v in values)


def open_as(out: Path, image: str, mode: str) -> Image.Image:
    if image == "gray16_40x30.png":
        # Documented divergence: Pillow opens 16-bit grayscale as mode 'I' and clips it to 0..255
        # when converting; the Java side keeps the high byte instead. The reference follows the
        # Java rule (v >> 8), then the genuine Pillow/torchvision pipeline.
        raw = np.array(Image.open(out / image), dtype=np.int64)
        return Image.fromarray((raw >> 8).astype(np.uint8), "L").convert(mode)
    return Image.open(out / image).convert(mode)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default_output_dir()
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240607)
    make_images(out, rng)
    torch.set_num_threads(1)

    lines = [
        f"# generated by src/test/python/make_image_fixtures.py with Pillow {PIL.__version__}, "
        f"torchvision {torchvision.__version__}, torch {torch.__version__}",
    ]

    for image in ["rgb_300x200.jpg", "gray_180x240.png", "palette_150x100.png", "rgba_120x90.png",
                  "rgb16_40x30.png", "gray16_40x30.png", "bilevel_33x17.png", "la_33x17.png",
                  "palette_33x17.gif", "rgb_33x17.bmp"]:
        (out / f"{image}.rgb.u8").write_bytes(np.array(open_as(out, image, "RGB")).tobytes())
    for image in ["rgb_300x200.jpg", "palette_150x100.png", "rgba_120x90.png", "la_33x17.png",
                  "palette_33x17.gif", "rgb_33x17.bmp"]:
        (out / f"{image}.l.u8").write_bytes(np.array(open_as(out, image, "L")).tobytes())

    imagenet_cases = [
        # name, image, mode, resize, crop, interpolation
        ("imagenet_rgb_r64", "rgb_300x200.jpg", "RGB", 73, 64, "bilinear"),
        ("imagenet_rgb_r224", "rgb_300x200.jpg", "RGB", 256, 224, "bilinear"),
        ("imagenet_rgb_pad", "rgb_300x200.jpg", "RGB", 50, 64, "bilinear"),
        ("imagenet_gray_r64", "gray_180x240.png", "RGB", 73, 64, "bilinear"),
        ("imagenet_gray_l_r64", "gray_180x240.png", "L", 73, 64, "bilinear"),
        ("imagenet_palette_r64", "palette_150x100.png", "RGB", 73, 64, "bilinear"),
        ("imagenet_rgba_r64", "rgba_120x90.png", "RGB", 73, 64, "bilinear"),
        ("imagenet_rgba_l_r64", "rgba_120x90.png", "L", 73, 64, "bilinear"),
        ("imagenet_rgb16", "rgb16_40x30.png", "RGB", 32, 28, "bilinear"),
        ("imagenet_gray16", "gray16_40x30.png", "RGB", 32, 28, "bilinear"),
        # Bicubic: downscaling (the 73 cases), upscaling (bmp, bilevel, la, rgb16), odd sizes,
        # padding, every input mode; bilevel's hard 0/255 edges make the negative lobes overshoot.
        ("imagenet_bicubic_rgb_r64", "rgb_300x200.jpg", "RGB", 73, 64, "bicubic"),
        ("imagenet_bicubic_rgb_pad", "rgb_300x200.jpg", "RGB", 50, 64, "bicubic"),
        ("imagenet_bicubic_gray_r64", "gray_180x240.png", "RGB", 73, 64, "bicubic"),
        ("imagenet_bicubic_gray_l_r63", "gray_180x240.png", "L", 71, 63, "bicubic"),
        ("imagenet_bicubic_palette_r64", "palette_150x100.png", "RGB", 73, 64, "bicubic"),
        ("imagenet_bicubic_rgba_r64", "rgba_120x90.png", "RGB", 73, 64, "bicubic"),
        ("imagenet_bicubic_rgba_l_r64", "rgba_120x90.png", "L", 73, 64, "bicubic"),
        ("imagenet_bicubic_bmp_up_r27", "rgb_33x17.bmp", "RGB", 29, 27, "bicubic"),
        ("imagenet_bicubic_bilevel_up_r35", "bilevel_33x17.png", "L", 41, 35, "bicubic"),
        ("imagenet_bicubic_la_up_r31", "la_33x17.png", "RGB", 37, 31, "bicubic"),
        ("imagenet_bicubic_gif_r9", "palette_33x17.gif", "RGB", 11, 9, "bicubic"),
        ("imagenet_bicubic_rgb16_up", "rgb16_40x30.png", "RGB", 45, 40, "bicubic"),
    ]
    for name, image, mode, resize, crop, interpolation in imagenet_cases:
        mean, std = (IMAGENET_MEAN, IMAGENET_STD) if mode == "RGB" else (GRAY_MEAN, GRAY_STD)
        pipeline = transforms.Compose([
            transforms.Resize(resize, interpolation=INTERPOLATION[interpolation]),
            transforms.CenterCrop(crop),
            transforms.ToTensor(),
            transforms.Normalize(mean, std),
        ])
        tensor = pipeline(open_as(out, image, mode))
        save_f32(out / f"{name}.f32", tensor)
        lines.append(f"name={name} kind=imagenet image={image} channels={tensor.shape[0]} "
                     f"resize={resize} crop={crop} mean={fmt(mean)} std={fmt(std)}"
                     + (f" interpolation={interpolation}" if interpolation != "bilinear" else ""))

    timm_cases = [
        # name, image, mode, img_size, crop_pct, interpolation: timm's pretrained cfgs of
        # mobilenetv1_100 (224 at 0.875, test 256 at 0.95) and mobilenetv1_125 (224 at 0.9), and
        # 160 at 0.875, where timm's floor (182) and the 256:224 rounding (183) differ.
        ("timm_rgb_224_0875", "rgb_300x200.jpg", "RGB", 224, 0.875, "bicubic"),
        ("timm_rgb_256_095", "rgb_300x200.jpg", "RGB", 256, 0.95, "bicubic"),
        ("timm_gray_l_224_09", "gray_180x240.png", "L", 224, 0.9, "bicubic"),
        ("timm_rgba_160_0875", "rgba_120x90.png", "RGB", 160, 0.875, "bicubic"),
        ("timm_palette_100_1", "palette_150x100.png", "RGB", 100, 1.0, "bicubic"),
        ("timm_bilinear_gray_96_0875", "gray_180x240.png", "RGB", 96, 0.875, "bilinear"),
    ]
    for name, image, mode, img_size, crop_pct, interpolation in timm_cases:
        mean, std = (TIMM_MEAN, TIMM_STD) if mode == "RGB" else (GRAY_MEAN, GRAY_STD)
        scale_size = math.floor(img_size / crop_pct)  # transforms_imagenet_eval, square img_size
        pipeline = transforms.Compose([
            transforms.Resize(scale_size, interpolation=INTERPOLATION[interpolation]),
            transforms.CenterCrop(img_size),
            transforms.ToTensor(),
            transforms.Normalize(mean=torch.tensor(mean), std=torch.tensor(std)),
        ])
        tensor = pipeline(open_as(out, image, mode))
        save_f32(out / f"{name}.f32", tensor)
        lines.append(f"name={name} kind=imagenet image={image} channels={tensor.shape[0]} "
                     f"resize={scale_size} crop={img_size} crop_pct={crop_pct!r} mean={fmt(mean)} std={fmt(std)} "
                     f"interpolation={interpolation}")

    resize_cases = [
        # name, image, mode, width, height, filter: Pillow's 8-bit resample alone, both axes
        # shrinking or growing or one axis unchanged (Pillow then skips that pass), odd sizes.
        ("resize_bicubic_rgb_97x61", "rgb_300x200.jpg", "RGB", 97, 61, "bicubic"),
        ("resize_bicubic_bmp_34x17", "rgb_33x17.bmp", "RGB", 34, 17, "bicubic"),
        ("resize_bicubic_rgb_300x37", "rgb_300x200.jpg", "RGB", 300, 37, "bicubic"),
        ("resize_bicubic_gray_l_45x250", "gray_180x240.png", "L", 45, 250, "bicubic"),
        ("resize_bicubic_palette_151x67", "palette_150x100.png", "RGB", 151, 67, "bicubic"),
        ("resize_bicubic_rgba_37x29", "rgba_120x90.png", "RGB", 37, 29, "bicubic"),
        ("resize_bicubic_rgba_l_250x190", "rgba_120x90.png", "L", 250, 190, "bicubic"),
        ("resize_bicubic_bilevel_l_100x50", "bilevel_33x17.png", "L", 100, 50, "bicubic"),
        ("resize_bicubic_bilevel_7x5", "bilevel_33x17.png", "RGB", 7, 5, "bicubic"),
        ("resize_bicubic_bmp_65x35", "rgb_33x17.bmp", "RGB", 65, 35, "bicubic"),
        ("resize_bicubic_la_l_33x40", "la_33x17.png", "L", 33, 40, "bicubic"),
        ("resize_bicubic_gif_1x1", "palette_33x17.gif", "RGB", 1, 1, "bicubic"),
        ("resize_bilinear_rgb_97x61", "rgb_300x200.jpg", "RGB", 97, 61, "bilinear"),
        ("resize_bilinear_bmp_65x35", "rgb_33x17.bmp", "RGB", 65, 35, "bilinear"),
        ("resize_bilinear_gray_l_45x250", "gray_180x240.png", "L", 45, 250, "bilinear"),
    ]
    for name, image, mode, width, height, flt in resize_cases:
        resized = open_as(out, image, mode).resize((width, height), PIL_FILTER[flt])
        (out / f"{name}.u8").write_bytes(np.array(resized).tobytes())
        lines.append(f"name={name} kind=resize image={image} channels={len(mode)} "
                     f"width={width} height={height} filter={flt}")
    # The bilevel upscale must exercise clip8: Pillow's float ('F') resample of the same image has
    # values outside 0..255 there.
    unclipped = np.array(open_as(out, "bilevel_33x17.png", "L").convert("F").resize((100, 50), Image.BICUBIC))
    assert unclipped.min() < -0.5 and unclipped.max() > 255.5, (unclipped.min(), unclipped.max())

    pad_cases = [
        # name, image, mode, height, width, mean, std
        ("pad_fashion_32", "fashion_28x28.png", "L", 32, 32, FASHION_MEAN, FASHION_STD),
        ("pad_rgba_95x125", "rgba_120x90.png", "RGB", 95, 125, IMAGENET_MEAN, IMAGENET_STD),
    ]
    for name, image, mode, height, width, mean, std in pad_cases:
        pipeline = transforms.Compose([
            transforms.ToTensor(),
            transforms.CenterCrop((height, width)),
            transforms.Normalize(mean, std),
        ])
        tensor = pipeline(open_as(out, image, mode))
        save_f32(out / f"{name}.f32", tensor)
        lines.append(f"name={name} kind=pad image={image} channels={tensor.shape[0]} "
                     f"height={height} width={width} mean={fmt(mean)} std={fmt(std)}")

    interp_cases = [
        # name, image, mode, height, width, mean, std
        ("interp_rgb_64", "rgb_300x200.jpg", "RGB", 64, 64, IMAGENET_MEAN, IMAGENET_STD),
        ("interp_palette_40x48", "palette_150x100.png", "RGB", 40, 48, IMAGENET_MEAN, IMAGENET_STD),
        ("interp_fashion_up_32", "fashion_28x28.png", "L", 32, 32, FASHION_MEAN, FASHION_STD),
        ("interp_gray_l_64", "gray_180x240.png", "L", 64, 64, GRAY_MEAN, GRAY_STD),
    ]
    for name, image, mode, height, width, mean, std in interp_cases:
        x = transforms.ToTensor()(open_as(out, image, mode)).unsqueeze(0)
        y = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=False)
        tensor = transforms.Normalize(mean, std)(y[0])
        save_f32(out / f"{name}.f32", tensor)
        lines.append(f"name={name} kind=interp image={image} channels={tensor.shape[0]} "
                     f"height={height} width={width} mean={fmt(mean)} std={fmt(std)}")

    (out / "fixtures.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines) - 1} cases to {out}")


if __name__ == "__main__":
    main()
