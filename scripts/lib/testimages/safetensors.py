"""Deterministic .safetensors files: 8-byte little-endian header length, JSON header, tensor data.

Tensor bytes are a SHAKE-256 stream seeded by (seed, name), so a new seed changes every
byte (a new model version) while shapes, dtypes and parameter counts stay fixed and known.
"""
import hashlib
import json
import struct

DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "BOOL": 1}


def _pseudo_random(n, seed):
    return hashlib.shake_256(seed.encode()).digest(n)


def _plan(tensors, metadata):
    """Header bytes and facts for tensors [(name, dtype, shape)] laid out in list order."""
    header = {"__metadata__": dict(metadata)}
    offset = params = 0
    dtypes = {}
    for name, dtype, shape in tensors:
        count = 1
        for dim in shape:
            count *= dim
        nbytes = count * DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
        params += count
        dtypes[dtype] = dtypes.get(dtype, 0) + count
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # the format allows space padding to align the data
    facts = {
        "tensor_count": len(tensors),
        "parameter_count": params,
        "parameters_by_dtype": dtypes,
        "header_bytes": len(head),
        "data_bytes": offset,
        "file_bytes": 8 + len(head) + offset,
    }
    return struct.pack("<Q", len(head)) + head, facts


def _chunks(tensors, seed, metadata):
    head, _ = _plan(tensors, metadata)
    yield head
    for name, dtype, shape in tensors:
        count = 1
        for dim in shape:
            count *= dim
        yield _pseudo_random(count * DTYPE_BYTES[dtype], f"{seed}/{name}")


def build(tensors, seed, metadata):
    """Returns (file bytes, facts)."""
    return b"".join(_chunks(tensors, seed, metadata)), _plan(tensors, metadata)[1]


def write(path, tensors, seed, metadata):
    """Streams the file to `path` (one tensor in memory at a time); returns facts."""
    with open(path, "wb") as fh:
        for c in _chunks(tensors, seed, metadata):
            fh.write(c)
    return _plan(tensors, metadata)[1]


# The aigc model: same architecture in every version, new weights each release.
AIGC_TENSORS = [
    ("embed.weight", "F16", (256, 64)),
    ("layers.0.attn.qkv.weight", "F16", (64, 192)),
    ("layers.0.attn.qkv.bias", "F32", (192,)),
    ("layers.0.mlp.weight", "BF16", (64, 64)),
    ("lm_head.weight", "F16", (64, 256)),
    ("position_ids", "I64", (1, 16)),
]

# The llm model of the fleet set.
LLM_TENSORS = [
    ("tok_embeddings.weight", "BF16", (512, 32)),
    ("norm.weight", "F32", (32,)),
    ("output.weight", "F16", (32, 512)),
]
