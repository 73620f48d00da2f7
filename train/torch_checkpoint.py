"""Reads a PyTorch checkpoint (torch.save's zip format, the default since PyTorch 1.6) with the
standard library + numpy: no PyTorch needed, and no code from the file runs.

torch.save writes a zip archive: <root>/data.pkl (a pickle whose tensors refer to storages by key),
<root>/data/<key> (each storage's raw bytes) and, since PyTorch 2.1, <root>/byteorder. The pickle
is read by an Unpickler that resolves only what a checkpoint of tensors needs (tensor and parameter
rebuilding, typed storages, OrderedDict, argparse.Namespace, numpy scalars, a few builtins). Any
other class becomes an inert Opaque object holding its constructor arguments and state as data:
nothing is imported or called. So a training checkpoint with optimizer state or objects of its own
still gives up its state_dict, and a pickled nn.Module gives its parameters and buffers
(module_state_dict) without its class being importable.

Tensors come back as Tensor(dtype, array): dtype a safetensors tag (F32, F16, BF16, I64, ...),
array a contiguous numpy array (BF16 as uint16 bits). Every storage access is bounds-checked.
"""
import _compat_pickle
import argparse
import codecs
import collections
import importlib
import io
import pickle
import zipfile

import numpy as np


class CheckpointError(ValueError):
    """The file is not a checkpoint this reader can read; the message says why."""


class Tensor:
    """A tensor read from a checkpoint: safetensors dtype tag and a contiguous numpy array."""
    __slots__ = ("dtype", "array")

    def __init__(self, dtype, array):
        self.dtype, self.array = dtype, array

    def __repr__(self):
        return f"Tensor({self.dtype}, {list(self.array.shape)})"


class Opaque:
    """An object of a class the reader does not load: constructor arguments and state kept as data."""
    global_name = "?"

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs, self.state = args, kwargs, None

    def __setstate__(self, state):
        self.state = state

    def __repr__(self):
        return f"<{self.global_name}>"


# torch.<Name>Storage -> (safetensors tag, numpy dtype of one element, little-endian)
STORAGES = {
    "FloatStorage": ("F32", "<f4"), "DoubleStorage": ("F64", "<f8"), "HalfStorage": ("F16", "<f2"),
    "BFloat16Storage": ("BF16", "<u2"), "LongStorage": ("I64", "<i8"), "IntStorage": ("I32", "<i4"),
    "ShortStorage": ("I16", "<i2"), "CharStorage": ("I8", "i1"), "ByteStorage": ("U8", "u1"),
    "BoolStorage": ("BOOL", "?"),
}


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.tag, self.dtype = STORAGES[name]


class _Storage:
    def __init__(self, tag, array):
        self.tag, self.array = tag, array


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor refers to {storage!r}, not to a storage of the archive")
    size, stride = tuple(size), tuple(stride)
    if (not all(isinstance(v, int) for v in (storage_offset, *size, *stride)) or len(size) != len(stride)
            or storage_offset < 0 or any(v < 0 for v in size + stride)):
        raise CheckpointError(f"a tensor has an invalid layout: offset {storage_offset}, size {size}, stride {stride}")
    data = storage.array
    if 0 in size:
        return Tensor(storage.tag, np.empty(size, dtype=data.dtype))
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= len(data):
        raise CheckpointError(f"a tensor of size {list(size)} (offset {storage_offset}, stride {list(stride)}) "
                              f"reaches element {last} of a storage of {len(data)}")
    view = np.lib.stride_tricks.as_strided(data[storage_offset:], shape=size,
                                           strides=[s * data.itemsize for s in stride], writeable=False)
    return Tensor(storage.tag, view.copy(order="C"))  # not ascontiguousarray: it makes 0-d arrays 1-d


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    return data


def _rebuild_from_type_v2(func, new_type, args, state):
    return func(*args)  # a tensor subclass: its data is what matters here


def _numpy(name):
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            pass
    return None


ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Size"): tuple,
    ("argparse", "Namespace"): argparse.Namespace,
    ("_codecs", "encode"): codecs.encode,  # how protocol 2 pickles bytes
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "complex"): complex,
    ("builtins", "slice"): slice, ("builtins", "bytearray"): bytearray,
    ("numpy", "dtype"): np.dtype, ("numpy", "ndarray"): np.ndarray,
}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    for _name in ("scalar", "_reconstruct"):
        if _numpy(_name) is not None:
            ALLOWED[(_module, _name)] = _numpy(_name)


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, archive, root, byteorder):
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self.archive, self.root, self.byteorder = archive, root, byteorder
        self.storages, self.opaque = {}, {}

    def find_class(self, module, name):
        # Protocol 2 (torch.save's) writes Python 2 names (__builtin__.set); pickle maps them the same way.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        key = f"{module}.{name}"
        if key not in self.opaque:
            self.opaque[key] = type(name, (Opaque,), {"global_name": key})
        return self.opaque[key]

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
            raise CheckpointError(f"unknown persistent reference {pid!r}")
        _, storage_type, key, _location, numel = pid[:5]
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"storage '{key}' has type {storage_type!r}, which this reader does not read")
        if key not in self.storages:
            entry = f"{self.root}data/{key}"
            try:
                raw = self.archive.read(entry)
            except KeyError:
                raise CheckpointError(f"storage '{key}' ({entry}) is missing from the archive") from None
            dtype = np.dtype(storage_type.dtype)
            if dtype.itemsize > 1:
                dtype = dtype.newbyteorder("<" if self.byteorder == "little" else ">")
            if not isinstance(numel, int) or len(raw) < numel * dtype.itemsize:
                raise CheckpointError(f"storage '{key}' has {len(raw)} bytes, fewer than {numel} x {storage_type.name}")
            array = np.frombuffer(raw, dtype=dtype, count=numel)
            self.storages[key] = _Storage(storage_type.tag, array.astype(array.dtype.newbyteorder("="), copy=False))
        return self.storages[key]


def load(path):
    """The object torch.save wrote to `path` (zip format), tensors as Tensor, unknown classes as Opaque."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise CheckpointError(f"not a zip archive ({e}); torch.save's legacy format needs PyTorch") from None
    with archive:
        names = archive.namelist()
        pickles = [n for n in names if n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1)]
        if len(pickles) != 1:
            raise CheckpointError("not a torch.save archive: no single <root>/data.pkl among "
                                  + ", ".join(names[:5]) + (" ..." if len(names) > 5 else ""))
        root = pickles[0][:-len("data.pkl")]
        if root + "constants.pkl" in names or any(n.startswith(root + "code/") for n in names):
            raise CheckpointError("a TorchScript archive (torch.jit.save), not a checkpoint: "
                                  "save model.state_dict() with torch.save instead")
        byteorder = archive.read(root + "byteorder").decode("ascii").strip() if root + "byteorder" in names else "little"
        if byteorder not in ("little", "big"):
            raise CheckpointError(f"byteorder '{byteorder}' is neither little nor big")
        try:
            return _Unpickler(archive.read(pickles[0]), archive, root, byteorder).load()
        except CheckpointError:
            raise
        except Exception as e:  # noqa: BLE001 - a malformed pickle can raise almost anything
            raise CheckpointError(f"cannot unpickle {pickles[0]}: {type(e).__name__}: {e}") from None


def module_state_dict(obj, prefix=""):
    """The state_dict of a pickled nn.Module (an Opaque with _parameters/_buffers/_modules), or None."""
    state = obj.state if isinstance(obj, Opaque) else None
    if not isinstance(state, dict) or not {"_parameters", "_buffers", "_modules"} <= state.keys():
        return None
    out = collections.OrderedDict()
    for name, p in state["_parameters"].items():
        if p is not None:
            out[prefix + name] = p
    skip = state.get("_non_persistent_buffers_set") or set()
    for name, b in state["_buffers"].items():
        if b is not None and name not in skip:
            out[prefix + name] = b
    for name, child in state["_modules"].items():
        if child is not None:
            sub = module_state_dict(child, prefix + name + ".")
            if sub is None:
                raise CheckpointError(f"submodule '{prefix + name}' is a {child!r}, not a module")
            out.update(sub)
    return out
