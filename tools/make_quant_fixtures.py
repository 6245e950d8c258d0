#!/usr/bin/env python3
"""Goldens for the weight encodings (tests/unit/infer/quantize_test.cpp): per type, rows of
deterministic inputs, the bytes the reference quantiser makes of them, and the floats the
reference dequantiser makes of those bytes.

References:
  gguf.quants (PyPI `gguf`)  quantises F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (bit-exact
                             ports of ggml's reference C) and dequantises those and Q4_K, Q5_K,
                             Q6_K.
  ggml's own C (optional)    --ggml-lib path/to/libggml-base.so (llama.cpp built as
                             docs/generate.md describes) adds the quantisation goldens that
                             gguf.quants lacks: Q4_K, Q5_K, Q6_K (llama.cpp's quantiser without
                             an importance matrix calls quantize_row_*_ref) and Q8_K; for the
                             32-value types it checks that ggml and gguf.quants agree.
Dequantisation is also checked on blocks of random bytes (every bit pattern, finite scales).

File  tests/fixtures/quant/<type>.bin, little endian:
  magic "LMQF", u32 version (1), u32 ggml type, u32 case count, then per case
  u32 n, u32 flags (1: x and the quantised bytes are a quantisation golden; 2: the
  dequantised floats are there), f32 x[n] (if flag 1), u8 bytes[row_bytes(type, n)],
  f32 dequantised[n] (if flag 2).

Regenerate: python3 tools/make_quant_fixtures.py --ggml-lib /path/to/libggml-base.so
"""
import argparse
import ctypes
import os
import struct

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf import quants

MAGIC, VERSION = b"LMQF", 1
N = 256  # one super-block / eight 32-blocks per row
FLAG_QUANT, FLAG_DEQUANT = 1, 2


def inputs(rng):
    """Rows chosen to reach every branch of the quantisers."""
    g = rng.standard_normal(N).astype(np.float32)
    yield "gaussian, odd scale", g * np.float32(0.0173)
    yield "asymmetric uniform", rng.uniform(-3.7, 5.1, N).astype(np.float32)
    yield "zeros", np.zeros(N, np.float32)
    out = rng.standard_normal(N).astype(np.float32) * np.float32(0.02)
    out[17], out[200] = 1.5, -0.9
    yield "outliers", out
    yield "all equal positive", np.full(N, 0.3, np.float32)
    yield "all equal negative", np.full(N, -1.25, np.float32)
    yield "positive only", (np.abs(rng.standard_normal(N)) + 0.5).astype(np.float32)
    mixed = rng.standard_normal(N).astype(np.float32)
    mixed[:32] = 0  # zero sub-blocks beside tiny and large ones
    mixed[32:64] *= np.float32(1e-8)
    mixed[64:96] *= np.float32(1e3)
    mixed[128:144] = 0
    yield "zero, tiny and large sub-blocks", mixed
    yield "heavy tails", (rng.standard_t(3, N) * 0.05).astype(np.float32)
    yield "rounding ties", (rng.integers(-16, 17, N) * 0.25).astype(np.float32)


def float_specials():
    """Rows for the float conversions: rounding ties, subnormals, overflow, infinities."""
    v = [0.0, -0.0, 1.0, -2.5, 65504.0, 65519.99, 65520.0, 1e6, -1e6, np.inf, -np.inf,
         6e-8, 3e-8, 2.9802322e-08, 1e-10, 6.1035156e-05, 6.0975552e-05, 1.00048828125, 1.00146484375,
         1.0009765625, 3.4e38, -3.4e38, 1e-39, 1.0000001, 1.0039062, 1.0078125, 1.01171875]
    v += list(np.nextafter(np.float32(1.0), np.float32(2.0), dtype=np.float32) * np.arange(1, 6))
    row = np.zeros(64, np.float32)
    row[:len(v)] = v
    return row


class Ggml:
    """The reference quantisers of a libggml-base.so, through ctypes."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)

    def quantize(self, qtype, x):
        name = {T.Q8_0: "q8_0", T.Q4_0: "q4_0", T.Q4_1: "q4_1", T.Q5_0: "q5_0", T.Q5_1: "q5_1",
                T.Q4_K: "q4_K", T.Q5_K: "q5_K", T.Q6_K: "q6_K", T.Q8_K: "q8_K"}[qtype]
        fn = getattr(self.lib, f"quantize_row_{name}_ref")
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        block, size = GGML_QUANT_SIZES[qtype]
        out = np.zeros(len(x) // block * size, np.uint8)  # Q8_K of a zero block leaves bsums unset
        x = np.ascontiguousarray(x, np.float32)
        fn(x.ctypes.data, out.ctypes.data, len(x))
        return out


def random_blocks(rng, qtype, count):
    """Blocks of random bytes whose F16 scales are finite (NaN / inf scales are not data)."""
    block, size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, (count, size), dtype=np.uint8)
    scales = (rng.standard_normal((count, 2)) * 0.01).astype(np.float16).view(np.uint8)
    if qtype in (T.Q8_0, T.Q4_0, T.Q5_0):
        raw[:, 0:2] = scales[:, 0:2]
    elif qtype in (T.Q4_K, T.Q5_K, T.Q4_1, T.Q5_1):  # (d, dmin) / (d, m)
        raw[:, 0:4] = scales
    elif qtype == T.Q6_K:
        raw[:, size - 2:size] = scales[:, 0:2]
    return raw.reshape(-1)


def case(n, x, data, deq):
    flags = (FLAG_QUANT if x is not None else 0) | (FLAG_DEQUANT if deq is not None else 0)
    out = struct.pack("<II", n, flags)
    if x is not None:
        out += np.asarray(x, np.float32).tobytes()
    out += np.asarray(data, np.uint8).tobytes()
    if deq is not None:
        out += np.asarray(deq, np.float32).tobytes()
    return out


def build(qtype, rng, ggml):
    cases = []
    q32 = (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1)
    can_quant = qtype in (T.F16, T.BF16) + q32
    can_dequant = qtype != T.Q8_K
    rows = list(inputs(rng))
    if qtype in (T.F16, T.BF16):
        rows.append(("specials", float_specials()))
        if qtype == T.BF16:
            nan = np.array([np.nan, -np.nan] + [0.0] * 62, np.float32)
            nan.view(np.uint32)[2] = 0x7F800001  # a signalling NaN becomes quiet
            rows.append(("NaN", nan))
    for name, x in rows:
        if can_quant:
            data = quants.quantize(x, qtype).view(np.uint8).reshape(-1)
            if ggml is not None and qtype in q32:
                assert np.array_equal(data, ggml.quantize(qtype, x)), f"gguf.quants and ggml differ: {qtype.name} {name}"
        elif ggml is not None and qtype in (T.Q4_K, T.Q5_K, T.Q6_K, T.Q8_K):
            data = ggml.quantize(qtype, x)
        else:
            continue
        deq = quants.dequantize(data, qtype).reshape(-1) if can_dequant else None
        cases.append(case(len(x), x, data, deq))
    if qtype in q32 + (T.Q4_K, T.Q5_K, T.Q6_K):
        block = GGML_QUANT_SIZES[qtype][0]
        count = 4 if block == 256 else 16
        data = random_blocks(rng, qtype, count)
        cases.append(case(count * block, None, data, quants.dequantize(data, qtype).reshape(-1)))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/quant")
    parser.add_argument("--ggml-lib", help="libggml-base.so for the K-quant quantisation goldens")
    args = parser.parse_args()
    ggml = Ggml(args.ggml_lib) if args.ggml_lib else None
    os.makedirs(args.out, exist_ok=True)
    for qtype in (T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_K, T.Q6_K, T.Q8_K, T.Q4_1, T.Q5_0, T.Q5_1, T.Q5_K):
        rng = np.random.default_rng(1000 + int(qtype))
        cases = build(qtype, rng, ggml)
        if not cases:
            print(f"{qtype.name}: no reference for it here (pass --ggml-lib); not written")
            continue
        path = os.path.join(args.out, f"{qtype.name.lower()}.bin")
        with open(path, "wb") as f:
            f.write(MAGIC + struct.pack("<III", VERSION, int(qtype), len(cases)))
            for c in cases:
                f.write(c)
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
