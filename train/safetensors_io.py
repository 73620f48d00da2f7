"""safetensors read/write with the standard library + numpy (no `safetensors` package).

Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON header (written space-padded to a
multiple of 8), then the little-endian tensor data. The header maps each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the start of the data
section) and may hold "__metadata__", a map of string to string.

Tensors are (name, dtype, np.ndarray) triples. BF16 has no numpy type: its arrays hold the raw
bits as uint16 (see bf16_bits / bf16_to_f32).

Shared by export.py (the bundled model) and convert.py (checkpoints to self-describing files).
"""
import json
import os
import struct

import numpy as np

# dtype tag -> numpy dtype of the stored bytes
_NP_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}
MAX_HEADER_LENGTH = 100_000_000  # the Java reader's limit (io.github.mobilenetj.io.SafetensorsFile)


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the file and what is wrong."""


def safetensors_bytes(tensors, metadata):
    """tensors: list of (name, dtype_str, np.ndarray) in file order; metadata: dict str->str."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    blobs, offset = [], 0
    for name, dtype, arr in tensors:
        if dtype == "BF16" and arr.dtype != np.uint16:
            raise TypeError(f"{name}: BF16 tensors are passed as their uint16 bits (bf16_bits), got {arr.dtype}")
        raw = np.ascontiguousarray(arr.astype(_NP_DTYPES[dtype], copy=False)).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hdr = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hdr += b" " * ((-len(hdr)) % 8)
    return struct.pack("<Q", len(hdr)) + hdr + b"".join(blobs)


def parse_safetensors(buf, source="<bytes>"):
    """Returns (metadata dict, list of (name, dtype, np.ndarray)) in header order.

    Checks what a reader must: header length and JSON, every entry's dtype, shape and offsets
    (size = elements x dtype size, within the data), and that the tensors cover the data section
    exactly, without gaps or overlaps. Raises SafetensorsError naming `source` and the tensor.
    """
    if len(buf) < 8:
        raise SafetensorsError(f"{source}: {len(buf)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER_LENGTH or 8 + n > len(buf):
        raise SafetensorsError(f"{source}: header length {n} at offset 0 exceeds the file ({len(buf)} bytes)"
                               f" or the limit of {MAX_HEADER_LENGTH} bytes: not a safetensors file")
    try:
        header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{source}: header (bytes 8..{8 + n}) is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{source}: header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise SafetensorsError(f"{source}: __metadata__ is not a map of strings")
    data = memoryview(buf)[8 + n:]
    out, spans = [], []
    for name, info in header.items():
        where = f"{source}: tensor '{name}'"
        if not isinstance(info, dict) or info.get("dtype") not in _NP_DTYPES:
            raise SafetensorsError(f"{where}: unknown dtype {info.get('dtype') if isinstance(info, dict) else info!r}")
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if (not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) for o in offsets)):
            raise SafetensorsError(f"{where}: bad shape {shape!r} or data_offsets {offsets!r}")
        b, e = offsets
        itemsize = np.dtype(_NP_DTYPES[info["dtype"]]).itemsize
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not 0 <= b <= e <= len(data) or e - b != count * itemsize:
            raise SafetensorsError(f"{where}: data_offsets [{b}, {e}] do not hold {count} x {info['dtype']}"
                                   f" within the {len(data)} data bytes")
        arr = np.frombuffer(data[b:e], dtype=_NP_DTYPES[info["dtype"]]).reshape(shape)
        out.append((name, info["dtype"], arr))
        spans.append((b, e, name))
    expected = 0
    for b, e, name in sorted(spans):
        if b != expected:
            raise SafetensorsError(f"{source}: tensor '{name}' starts at data offset {b}, expected {expected}"
                                   f" (gap or overlap)")
        expected = e
    if expected != len(data):
        raise SafetensorsError(f"{source}: {len(data) - expected} trailing bytes after the tensor data")
    return meta, out


def read_file(path):
    """(metadata, tensors) of a safetensors file, see parse_safetensors."""
    with open(path, "rb") as f:
        return parse_safetensors(f.read(), path)


def write_file(path, buf):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf)
    os.replace(tmp, path)


# ---------------------------------------------------------------- bfloat16 without a numpy type
def bf16_to_f32(bits):
    """float32 values of BF16 bits (uint16 array): exact."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def bf16_bits(values):
    """BF16 bits (uint16) of float values, rounded to nearest even (as torch's .to(torch.bfloat16)); NaN stays NaN."""
    f = np.array(values, dtype=np.float32, order="C")  # keeps 0-d arrays 0-d, unlike ascontiguousarray
    u = f.view(np.uint32).astype(np.uint64)
    one, sixteen = np.uint64(1), np.uint64(16)  # typed: uint64 with Python ints promotes to float64
    rounded = ((u + np.uint64(0x7FFF) + ((u >> sixteen) & one)) >> sixteen).astype(np.uint16)
    nan = np.isnan(f)
    if nan.any():
        rounded[nan] = ((u[nan] >> sixteen) | np.uint64(0x40)).astype(np.uint16)  # keep a quiet NaN
    return rounded


def as_float32(dtype, arr):
    """float32 values of a stored float tensor (F64/F32/F16/BF16)."""
    if dtype == "BF16":
        return bf16_to_f32(arr)
    return arr.astype(np.float32)
