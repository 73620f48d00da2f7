#!/usr/bin/python3
"""Writes the seed inputs of the Jazzer fuzz tests (the *FuzzTest classes with @FuzzTest).

In a normal test run Jazzer replays every file under
src/test/resources/io/github/mobilenetj/<package>/<Class>Inputs/<method>/ ; when fuzzing
(JAZZER_FUZZ=1) it starts from them. The seeds are small (mostly under 4 KB, libFuzzer's default
input size) and cover each format's features, so that the fuzzer starts deep inside each parser:

  image/ImageFilesFuzzTestInputs/decode         PNG (gray, RGB, RGBA, palette + tRNS, 1/2/4/16-bit, interlaced,
                                                 text chunks), JPEG (baseline, progressive, gray, 4:2:0, restart
                                                 markers, CMYK), GIF (palette, transparency, two frames,
                                                 interlaced), BMP (24-bit, 32-bit, 8-bit, 4-bit, RLE8, RLE4, 1-bit),
                                                 TIFF (raw, PackBits, LZW, Deflate, JPEG, tiled, planar, 16-bit),
                                                 WBMP, and small files declaring large sizes
  image/ImageTransformFuzzTestInputs/transform  a few random byte strings (FuzzedDataProvider input)
  io/SafetensorsFileFuzzTestInputs/openAndRead  valid files of every float dtype, with metadata, scalars,
                                                 empty tensors, and a few malformed ones
  io/IdxFileFuzzTestInputs/read                 first byte = item limit, then an IDX file, plain or gzip
  io/JsonReaderFuzzTestInputs/walk              JSON documents exercising every token and escape

Run with Debian's interpreter (python3-pil, python3-numpy):
    /usr/bin/python3 src/test/python/make_fuzz_seeds.py
Findings of a fuzzing run are added by Jazzer next to these files (crash-<sha1>) and stay as regression
inputs once the bug is fixed.
"""

import gzip
import io
import json
import random
import struct
import sys
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2] / "test" / "resources" / "io" / "github" / "mobilenetj"
rng = random.Random(20261206)


def out(rel):
    d = ROOT / rel
    d.mkdir(parents=True, exist_ok=True)
    return d


def picture(mode, size=(13, 9)):
    im = Image.new("RGB", size)
    draw = ImageDraw.Draw(im)
    for y in range(size[1]):
        for x in range(size[0]):
            im.putpixel((x, y), ((x * 37) % 256, (y * 53) % 256, ((x + y) * 29) % 256))
    draw.line((0, 0, size[0] - 1, size[1] - 1), fill=(255, 255, 255))
    if mode == "RGBA":
        im = im.convert("RGBA")
        im.putalpha(Image.linear_gradient("L").resize(size))
        return im
    if mode in ("P", "PT"):
        return im.convert("P", palette=Image.ADAPTIVE, colors=16)
    return im.convert(mode)


def gray16():
    return picture("L").convert("I").point(lambda v: v * 257).convert("I;16")


def save(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def png_chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_raw(w, h, depth, ctype, rows=None, extra=b"", interlace=False):
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]

    def scanlines(width, height):
        row_bytes = (width * ch * depth + 7) // 8
        return b"".join(bytes((rng.randrange(5),)) + bytes(rng.randrange(256) for _ in range(row_bytes))
                        for _ in range(height))

    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
            if pw > 0 and ph > 0:
                raw += scanlines(pw, ph)
    else:
        raw = scanlines(w, rows or h)
    body = png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)) + extra
    if ctype == 3:
        body += png_chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(3 * (1 << depth))))
    return b"\x89PNG\r\n\x1a\n" + body + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def images():
    d = out("image/ImageFilesFuzzTestInputs/decode")
    seeds = {}
    for mode in ("L", "RGB", "RGBA", "P", "LA", "1"):
        seeds[f"png-{mode}.png"] = save(picture(mode), "PNG")
    seeds["png-I16.png"] = save(gray16(), "PNG")
    seeds["png-palette-trns.png"] = save(picture("P"), "PNG", transparency=0)
    seeds["png-interlaced-rgb.png"] = png_raw(9, 7, 8, 2, interlace=True)
    seeds["png-interlaced-palette2.png"] = png_raw(10, 9, 2, 3, interlace=True)
    for depth in (1, 2, 4):
        seeds[f"png-gray{depth}.png"] = png_raw(11, 5, depth, 0)
        seeds[f"png-palette{depth}.png"] = png_raw(11, 5, depth, 3)
    seeds["png-rgb16.png"] = png_raw(5, 4, 16, 2)
    seeds["png-rgba16.png"] = png_raw(5, 4, 16, 6)
    seeds["png-text.png"] = png_raw(4, 4, 8, 0, extra=png_chunk(b"tEXt", b"Comment\0seed")
                                     + png_chunk(b"zTXt", b"k\0\0" + zlib.compress(b"v" * 50))
                                     + png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(b"\0" * 128))
                                     + png_chunk(b"gAMA", struct.pack(">I", 45455)))
    seeds["png-declares-2000x2000.png"] = png_raw(2000, 2000, 8, 0, rows=1)
    rgb = picture("RGB", (17, 11))
    seeds["jpeg-baseline.jpg"] = save(rgb, "JPEG", quality=80)
    seeds["jpeg-progressive.jpg"] = save(rgb, "JPEG", progressive=True)
    seeds["jpeg-gray.jpg"] = save(rgb.convert("L"), "JPEG")
    seeds["jpeg-420.jpg"] = save(rgb, "JPEG", subsampling=2)
    seeds["jpeg-444-optimized.jpg"] = save(rgb, "JPEG", subsampling=0, optimize=True)
    seeds["jpeg-cmyk.jpg"] = save(rgb.convert("CMYK"), "JPEG")
    seeds["gif.gif"] = save(picture("P"), "GIF")
    seeds["gif-transparent.gif"] = save(picture("P"), "GIF", transparency=3)
    seeds["gif-interlaced.gif"] = save(picture("P"), "GIF", interlace=True)
    frames = [picture("P"), picture("P").transpose(Image.FLIP_LEFT_RIGHT)]
    seeds["gif-animated.gif"] = save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    seeds["bmp-24.bmp"] = save(rgb, "BMP")
    seeds["bmp-32.bmp"] = save(picture("RGBA"), "BMP")
    seeds["bmp-8.bmp"] = save(picture("P"), "BMP")
    seeds["bmp-1.bmp"] = save(picture("1"), "BMP")
    seeds["bmp-gray.bmp"] = save(picture("L"), "BMP")
    # RLE8 and RLE4 by hand (Pillow does not write them): a few runs, an absolute run, end of line, end of bitmap.
    pal = b"".join(bytes((i * 16 % 256, i * 7 % 256, i * 3 % 256, 0)) for i in range(256))
    for bits, comp, data in ((8, 1, b"\x03\x05\x00\x03\x01\x02\x03\x00\x00\x04\x07\x00\x01"),
                             (4, 2, b"\x04\x12\x00\x03\x12\x30\x00\x00\x02\x45\x00\x01")):
        colours = 1 << bits
        off = 14 + 40 + 4 * colours
        seeds[f"bmp-rle{bits}.bmp"] = (b"BM" + struct.pack("<IHHI", off + len(data), 0, 0, off)
                                       + struct.pack("<IiiHHIIiiII", 40, 6, 3, 1, bits, comp, len(data), 2835, 2835,
                                                     colours, 0) + pal[:4 * colours] + data)
    for comp in ("raw", "packbits", "tiff_lzw", "tiff_deflate", "jpeg"):
        seeds[f"tiff-{comp}.tif"] = save(rgb, "TIFF", compression=comp)
    seeds["tiff-gray16.tif"] = save(gray16(), "TIFF")
    seeds["tiff-palette.tif"] = save(picture("P"), "TIFF")
    seeds["tiff-bilevel-g4.tif"] = save(picture("1"), "TIFF", compression="group4")
    seeds["tiff-tiled.tif"] = save(rgb, "TIFF", tile=(16, 16)) if _pillow_tiles() else save(rgb, "TIFF")
    seeds["tiff-bigendian.tif"] = _big_endian_tiff(save(rgb, "TIFF"))
    seeds["wbmp.wbmp"] = b"\0\0\x0d\x09" + bytes(rng.randrange(256) for _ in range(2 * 9))
    for name, data in seeds.items():
        (d / name).write_bytes(data)


def _pillow_tiles():
    try:
        save(Image.new("RGB", (4, 4)), "TIFF", tile=(16, 16))
        return True
    except Exception:
        return False


def _big_endian_tiff(little):
    # Re-encodes a little-endian baseline TIFF (as Pillow writes it) big-endian, field by field.
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 16: 8}
    b = bytearray(little)
    out = bytearray(b)
    out[0:2] = b"MM"
    struct.pack_into(">H", out, 2, 42)
    ifd = struct.unpack_from("<I", b, 4)[0]
    struct.pack_into(">I", out, 4, ifd)
    n = struct.unpack_from("<H", b, ifd)[0]
    struct.pack_into(">H", out, ifd, n)
    for e in range(n):
        at = ifd + 2 + 12 * e
        tag, typ, cnt = struct.unpack_from("<HHI", b, at)
        struct.pack_into(">HHI", out, at, tag, typ, cnt)
        size = sizes.get(typ, 1)
        inline = size * cnt <= 4
        start = at + 8 if inline else struct.unpack_from("<I", b, at + 8)[0]
        if not inline:
            struct.pack_into(">I", out, at + 8, start)
        fmt = {1: "B", 2: "B", 3: "H", 4: "I", 5: "II", 7: "B", 16: "Q"}.get(typ, "B")
        for i in range(cnt):
            v = struct.unpack_from("<" + fmt, b, start + i * size)
            struct.pack_into(">" + fmt, out, start + i * size, *v)
    nxt = ifd + 2 + 12 * n
    struct.pack_into(">I", out, nxt, struct.unpack_from("<I", b, nxt)[0])
    return bytes(out)


def transforms():
    d = out("image/ImageTransformFuzzTestInputs/transform")
    for i, n in enumerate((16, 64, 256, 1024)):
        (d / f"random-{n}").write_bytes(bytes(rng.randrange(256) for _ in range(n)))


def safetensors_file(tensors, metadata=None, pad=True):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data = b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def raw_file(header, data):
    return struct.pack("<Q", len(header)) + header + data


def safetensors():
    d = out("io/SafetensorsFileFuzzTestInputs/openAndRead")
    f32 = struct.pack("<6f", 0.5, -1.0, 2.0, float("inf"), float("nan"), 3.25)
    seeds = {
        "f32.safetensors": safetensors_file([("w", "F32", [2, 3], f32)]),
        "all-float-dtypes.safetensors": safetensors_file([
            ("a", "F16", [3], struct.pack("<3e", 1.0, -2.5, 0.0)),
            ("b", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
            ("c", "F64", [2], struct.pack("<2d", 1.5, -0.25)),
            ("d", "F32", [1, 1, 2], struct.pack("<2f", 7.0, 8.0))]),
        "metadata.safetensors": safetensors_file([("fc.weight", "F32", [2], struct.pack("<2f", 1, 2))],
                                                 {"format": "pt", "labels": "[\"a\",\"b\\u00e9\"]", "": "\\"}),
        "scalar-and-empty.safetensors": safetensors_file([("s", "F32", [], struct.pack("<f", 1)),
                                                          ("e", "F32", [0, 4], b""), ("z", "I64", [1], b"\0" * 8)]),
        "integer-dtypes.safetensors": safetensors_file([(t, t, [2], b"\1" * (2 * s)) for t, s in
                                                        (("BOOL", 1), ("U8", 1), ("I8", 1), ("I16", 2), ("U16", 2),
                                                         ("I32", 4), ("U32", 4), ("U64", 8), ("F8_E4M3", 1),
                                                         ("F8_E5M2", 1))]),
        "unordered-offsets.safetensors": raw_file(b'{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},'
                                                  b'"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 8),
        "empty-header.safetensors": struct.pack("<Q", 2) + b"{}",
        "null-metadata.safetensors": struct.pack("<Q", 21) + b'{"__metadata__":null}',
        "overlap.safetensors": raw_file(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                        b'"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4),
        "truncated.safetensors": safetensors_file([("w", "F32", [2, 3], f32)])[:-5],
        "unknown-field.safetensors": raw_file(b'{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],'
                                              b'"x":[{"y":[1,2.5e3,true,null,"s"]}]}}', b"\0" * 4),
    }
    for name, data in seeds.items():
        (d / name).write_bytes(data)


def idx_bytes(dims, data):
    return bytes((0, 0, 8, len(dims))) + b"".join(struct.pack(">I", x) for x in dims) + data


def idx():
    d = out("io/IdxFileFuzzTestInputs/read")
    images = idx_bytes([3, 4, 5], bytes(rng.randrange(256) for _ in range(60)))
    labels = idx_bytes([6], bytes((1, 2, 3, 4, 5, 9)))
    seeds = {
        "all-images": b"\0" + images,
        "two-images": b"\x02" + images,
        "labels-gzip": b"\0" + gzip.compress(labels, mtime=0),
        "three-labels-gzip": b"\x03" + gzip.compress(labels, mtime=0),
        "gzip-two-members": b"\0" + gzip.compress(labels[:9], mtime=0) + gzip.compress(labels[9:], mtime=0),
        "declares-more": b"\x05" + idx_bytes([1000, 28, 28], b"\0" * 100),
        "declares-more-gzip": b"\0" + gzip.compress(idx_bytes([100000, 28, 28], b"\0" * 784), mtime=0),
        "extra-data": b"\0" + labels + b"\x07",
        "rank0": b"\0" + bytes((0, 0, 8, 0)),
        "other-type": b"\0" + bytes((0, 0, 0x0D, 1, 0, 0, 0, 1)) + b"\0" * 4,
    }
    for name, data in seeds.items():
        (d / name).write_bytes(data)


def json_seeds():
    d = out("io/JsonReaderFuzzTestInputs/walk")
    seeds = {
        "object.json": b'{"a":[1,-2,3.5e-7,0,-0.0,1E+2],"b":{"c":null,"d":true,"e":false},"f":""}',
        "escapes.json": b'["\\"\\\\\\/\\b\\f\\n\\r\\t","\\u00e9\\u20ac\\ud83d\\ude00","caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"]',
        "labels.json": json.dumps(["T-shirt/top", "Trouser", "Pullover", "Dress"]).encode(),
        "nested.json": b"[" * 40 + b"1" + b"]" * 40,
        "numbers.json": b"[9223372036854775807,-9223372036854775808,1.7976931348623157e308,5e-324,123456789012]",
        "header.json": b'{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}',
        "whitespace.json": b' \t\r\n{ "k" : [ ] , "l" : { } }\n',
        "scalar.json": b'"just a string"',
        "bad-trailing-comma.json": b"[1,2,]",
        "bad-surrogate.json": b'["\\ud800"]',
    }
    for name, data in seeds.items():
        (d / name).write_bytes(data)


if __name__ == "__main__":
    images()
    transforms()
    safetensors()
    idx()
    json_seeds()
    print("seeds written under", ROOT)
