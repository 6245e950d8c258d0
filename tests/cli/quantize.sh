#!/usr/bin/env bash
# `lmforge quantize` (torch-free): the Qwen2 fixture exported as F32 GGUF, quantised to every
# type, from the file and from the directory (the same bytes); each tensor's type as llama.cpp's
# quantiser picks it (the fixture's 64-value rows fit no K-quant block: the fallbacks), read back
# by the PyPI gguf package when it is installed, else by `export --check`. With gguf, a Llama
# GGUF of 256-value rows and 8 layers shows the Q4_K_M mix itself (Q6_K on layers 0, 3, 6, 7)
# and every quantised tensor decodes, by gguf.quants, within its type's error. Bad input: a
# missing model, an unknown type, a truncated file, each one line and no output left behind.
set -euo pipefail
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "quantize: $*"; exit 1; }
have_gguf=0
python3 -c "import gguf, numpy" 2>/dev/null && have_gguf=1

"$bin" export tests/fixtures/hf/qwen2 --format gguf --type f32 -o "$tmp/src.gguf" -q
for t in q8_0 q4_0 q4_k_m q6_k f16 f32; do
  "$bin" quantize "$tmp/src.gguf" --type "$t" -o "$tmp/$t.gguf" --threads 2 2>"$tmp/log-$t"
  grep -q "wrote $tmp/$t.gguf: qwen2 $t" "$tmp/log-$t" || fail "$t: no summary: $(cat "$tmp/log-$t")"
  grep -q "F32 .* tensors" "$tmp/log-$t" || fail "$t: no per-type line: $(cat "$tmp/log-$t")"
  "$bin" export --check "$tmp/$t.gguf" > "$tmp/check-$t.txt"
done
grep -q "not whole Q4_K blocks, stored as Q5_0" "$tmp/log-q4_k_m" || fail "q4_k_m: no fallback note"
# The directory goes through the exporter with the same plan: the same file.
"$bin" quantize tests/fixtures/hf/qwen2 --type q4_0 -o "$tmp/dir-q4_0.gguf" -q
cmp -s "$tmp/q4_0.gguf" "$tmp/dir-q4_0.gguf" || fail "q4_0 from the directory differs from q4_0 from the F32 file"
# Re-quantising a quantised file goes through F32 and says so.
"$bin" quantize "$tmp/q8_0.gguf" --type q4_0 -o "$tmp/q8-q4.gguf" 2>"$tmp/log-requant"
grep -q "already quantised" "$tmp/log-requant" || fail "no note on re-quantising: $(cat "$tmp/log-requant")"

# Expected types on the fixture (hidden 64, FFN 128, tied embeddings, 2 layers).
listing_type() { grep -o "tensor $2 \[[0-9, ]*\] [A-Z0-9_]*" "$tmp/check-$1.txt" | awk '{print $NF}'; }
check_types() {  # mix, token_embd, other 2-D weights
  [[ $(listing_type "$1" token_embd.weight) == "$2" ]] || fail "$1: token_embd is $(listing_type "$1" token_embd.weight), not $2"
  for w in blk.0.attn_q.weight blk.1.attn_v.weight blk.0.ffn_down.weight blk.1.ffn_gate.weight; do
    [[ $(listing_type "$1" $w) == "$3" ]] || fail "$1: $w is $(listing_type "$1" $w), not $3"
  done
  for w in blk.0.attn_norm.weight blk.0.attn_q.bias output_norm.weight; do
    [[ $(listing_type "$1" $w) == F32 ]] || fail "$1: $w must stay F32"
  done
}
check_types q8_0 Q8_0 Q8_0
check_types q4_0 Q8_0 Q4_0     # tied output: Q6_K, whose 256-blocks do not fit 64 -> Q8_0
# q4_k_m: Q4_K rows of 64 / 128 fall back to Q5_0 (as llama.cpp's do); blk.1 is a use_more_bits
# layer of 2, so its attn_v is Q6_K, whose fallback is Q8_0; the tied output Q6_K -> Q8_0.
[[ $(listing_type q4_k_m token_embd.weight) == Q8_0 ]] || fail "q4_k_m: token_embd is not Q8_0"
for w in blk.0.attn_q.weight blk.0.attn_v.weight blk.1.ffn_gate.weight; do
  [[ $(listing_type q4_k_m $w) == Q5_0 ]] || fail "q4_k_m: $w is $(listing_type q4_k_m $w), not Q5_0"
done
[[ $(listing_type q4_k_m blk.1.attn_v.weight) == Q8_0 ]] || fail "q4_k_m: blk.1.attn_v.weight is not Q8_0"
check_types q6_k Q8_0 Q8_0
check_types f16 F16 F16
check_types f32 F32 F32
s32=$(stat -c %s "$tmp/f32.gguf"); s8=$(stat -c %s "$tmp/q8_0.gguf"); s4=$(stat -c %s "$tmp/q4_0.gguf")
(( s8 < s32 * 4 / 10 && s4 < s8 )) || fail "sizes f32 $s32, q8_0 $s8, q4_0 $s4 do not shrink as the types do"

if (( have_gguf )); then
  python3 - "$bin" "$tmp" <<'EOF' || fail "gguf package checks failed"
import subprocess, sys
import numpy as np
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType as T
from gguf.quants import dequantize

binary, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
C, V, L = 256, 300, 8
w = GGUFWriter(f"{tmp}/llama.gguf", "llama")
w.add_block_count(L)
tensors = {"token_embd.weight": (V, C), "output.weight": (V, C), "output_norm.weight": (C,)}
for i in range(L):
    for n in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"):
        tensors[f"blk.{i}.{n}.weight"] = (C, C)
    tensors[f"blk.{i}.attn_norm.weight"] = (C,)
values = {name: (rng.standard_normal(shape) * 0.02).astype(np.float32) for name, shape in tensors.items()}
for name, v in values.items():
    w.add_tensor(name, v)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()

more = {0, 3, 6, 7}  # use_more_bits(i, 8)
def expected(mix, name):
    if len(tensors[name]) == 1: return T.F32
    if name == "output.weight": return T.Q8_0 if mix == "q8_0" else T.Q6_K
    if mix == "q4_k_m":
        layer = int(name.split(".")[1]) if name.startswith("blk.") else -1
        if ("attn_v" in name or "ffn_down" in name) and layer in more: return T.Q6_K
        return T.Q4_K
    return {"q8_0": T.Q8_0, "q4_0": T.Q4_0, "q6_k": T.Q6_K}[mix]
# RMS error / RMS of Gaussian weights: about 1.5 times step / sqrt(12) for the bit width.
bound = {T.F32: 0, T.Q8_0: 0.01, T.Q6_K: 0.03, T.Q4_K: 0.12, T.Q4_0: 0.14}
for mix in ("q4_k_m", "q4_0", "q6_k", "q8_0"):
    out = f"{tmp}/llama-{mix}.gguf"
    subprocess.run([binary, "quantize", f"{tmp}/llama.gguf", "--type", mix, "-o", out, "-q"], check=True)
    r = GGUFReader(out)
    assert r.fields["general.file_type"].parts[-1][0] == {"q4_k_m": 15, "q4_0": 2, "q6_k": 18, "q8_0": 7}[mix]
    seen = set()
    for t in r.tensors:
        seen.add(t.name)
        want = expected(mix, t.name)
        assert t.tensor_type == want, f"{mix}: {t.name} is {t.tensor_type.name}, llama.cpp makes {want.name}"
        assert tuple(int(n) for n in t.shape) == tuple(reversed(tensors[t.name])), f"{mix}: {t.name} shape {t.shape}"
        x = values[t.name].reshape(-1)
        y = dequantize(t.data, t.tensor_type).reshape(-1)
        err = float(np.sqrt(np.mean((y - x) ** 2)) / np.sqrt(np.mean(x ** 2)))
        assert err <= bound[t.tensor_type], f"{mix}: {t.name} ({t.tensor_type.name}) relative RMS error {err:.4f}"
    assert seen == set(tensors), f"{mix}: tensors {sorted(set(tensors) ^ seen)}"
print("gguf package: types, shapes and errors as expected")
EOF
else
  echo "quantize: python3 gguf package not installed: K-quant mix on a 256-wide model not checked"
fi

source tests/cli/lib/expect.sh
expect 2 "no such file" "$bin" quantize "$tmp/absent.gguf" --type q8_0 -o "$tmp/x.gguf"
expect 2 "unknown quantisation type 'q3_k_m'" "$bin" quantize "$tmp/src.gguf" --type q3_k_m -o "$tmp/x.gguf"
expect 2 "give the output" "$bin" quantize "$tmp/src.gguf" --type q8_0
head -c 5000 "$tmp/src.gguf" > "$tmp/cut.gguf"
expect 1 "not a valid GGUF file" "$bin" quantize "$tmp/cut.gguf" --type q8_0 -o "$tmp/x.gguf"
[[ ! -e "$tmp/x.gguf" ]] || fail "a failed quantize left a file"
ls "$tmp" | grep -q "x.gguf" && fail "a failed quantize left a temp file"
echo "quantize: ok"
