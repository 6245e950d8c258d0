#!/usr/bin/env python3
"""Writes small GGUF files holding only a tokenizer, the way llama.cpp's convert_hf_to_gguf.py
writes one (with the PyPI `gguf` package's GGUFWriter, the writer the converter uses), for
tests/unit/tokenizer/gguf_tokenizer_test.cpp and as seeds of fuzz/gguf_reader_fuzz.cpp:

  qwen2.gguf   from tests/fixtures/hf/tokenizers/qwen2.json (gpt2 model, pre "qwen2", added
               special tokens as control tokens, eos <|endoftext|>, a chat template)
  llama2.gguf  from tests/fixtures/hf/llama2-tok (llama model: pieces, scores and types of
               tokenizer.model, then the added <pad> token past it as a control token, bos/eos/unk/
               pad ids, add_bos_token true, add_space_prefix from the model's add_dummy_prefix)

Regenerate: pip install gguf sentencepiece; python3 tools/make_gguf_tokenizer_fixtures.py
"""
import json
import pathlib

import gguf
import sentencepiece

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests/fixtures/gguf_tokenizer"
T = gguf.TokenType


def qwen2():
    j = json.loads((ROOT / "tests/fixtures/hf/tokenizers/qwen2.json").read_text())
    size = max(j["model"]["vocab"].values()) + 1
    size = max([size] + [a["id"] + 1 for a in j["added_tokens"]])
    tokens = [f"[PAD{i}]" for i in range(size)]
    types = [T.UNUSED] * size
    for text, i in j["model"]["vocab"].items():
        tokens[i], types[i] = text, T.NORMAL
    for a in j["added_tokens"]:
        tokens[a["id"]], types[a["id"]] = a["content"], T.CONTROL if a["special"] else T.USER_DEFINED
    merges = [m if isinstance(m, str) else " ".join(m) for m in j["model"]["merges"]]
    w = gguf.GGUFWriter(str(OUT / "qwen2.gguf"), "qwen2")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(tokens.index("<|endoftext|>"))
    w.add_add_bos_token(False)
    w.add_chat_template("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}")
    write(w)


def llama2():
    d = ROOT / "tests/fixtures/hf/llama2-tok"
    sp = sentencepiece.SentencePieceProcessor(model_file=str(d / "tokenizer.model"))
    tokens, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        types.append(T.UNKNOWN if sp.is_unknown(i) else T.CONTROL if sp.is_control(i) else
                     T.UNUSED if sp.is_unused(i) else T.BYTE if sp.is_byte(i) else T.NORMAL)
    config = json.loads((d / "tokenizer_config.json").read_text())
    for i, a in sorted((int(k), v) for k, v in config["added_tokens_decoder"].items()):
        if i >= len(tokens):
            tokens.append(a["content"])
            scores.append(-1000.0)
            types.append(T.CONTROL if a["special"] else T.USER_DEFINED)
    w = gguf.GGUFWriter(str(OUT / "llama2.gguf"), "llama")
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_unk_token_id(sp.unk_id())
    w.add_pad_token_id(tokens.index("<pad>"))
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    # add_dummy_prefix, seen from an encoding (reading the proto would need protobuf)
    w.add_add_space_prefix(sp.encode("a", out_type=str)[0].startswith("\u2581"))
    write(w)


def write(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    qwen2()
    llama2()
