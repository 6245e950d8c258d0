#!/usr/bin/env python3
"""A small Llama 2-style SentencePiece tokenizer directory and the ids transformers' LlamaTokenizer
gives on mixed Chinese / English / emoji / code text.

Trains a SentencePiece BPE model with Llama 2's trainer settings (byte_fallback, split_digits,
add_dummy_prefix, no whitespace normalisation, identity normaliser, <unk>=0 <s>=1 </s>=2) on repo
text (data/corpus/tatoeba_cmn_en.tsv and this repository's C++ sources), and writes
tests/fixtures/hf/llama2-tok/: tokenizer.model, tokenizer_config.json (LlamaTokenizer, add_bos_token,
an extra added special token <pad> after the SentencePiece vocabulary, legacy left unset, i.e. the
legacy=True default of transformers 4.44), special_tokens_map.json and expected.json:
  {"texts": [...], "legacy": [[ids], ...], "non_legacy": [[ids], ...], "decoded": [...]}
with the slow LlamaTokenizer's encode (add_special_tokens=True) for legacy=True and legacy=False,
and its decode(skip_special_tokens=True) of the legacy ids. It also checks that LlamaTokenizerFast
(converted from the same tokenizer.model) agrees with the slow tokenizer and says so.

  /tmp/hfenv/bin/python tools/make_llama2_tokenizer_fixtures.py [--out tests/fixtures/hf/llama2-tok]
(needs transformers 4.44, sentencepiece and protobuf)
"""
import argparse
import glob
import io
import json
import os

import sentencepiece as spm
from transformers import LlamaTokenizer, LlamaTokenizerFast

TEXTS = [
    "Hello world! 你好，世界。I'm testing 12345 tokens 😀👍🏽 here.",
    "def f(x):\n    return x ** 2  # 平方\n\n\tprint(f(3))   ",
    "<s>[INST] 中文和English混合 [/INST] 好的</s><unk> after<pad>",
    "  leading spaces, trailing\n\n\n  \u00e9 vs e\u0301, ™ ½ \u200b zero-width ▁ underline",
    "",
    "龘𠀀 rare characters fall back to bytes",
]

LLAMA2_CHAT_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
    "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}"
    "{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
    "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
    "{% endfor %}")


def corpus_lines(root):
    lines = []
    with open(os.path.join(root, "data/corpus/tatoeba_cmn_en.tsv"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 3000:
                break
            parts = line.rstrip("\n").split("\t")
            lines.extend(parts[:2])
    for path in sorted(glob.glob(os.path.join(root, "src/tokenizer/*.cpp")))[:8]:
        with open(path, encoding="utf-8") as f:
            lines.extend(l.rstrip("\n") for l in f if l.strip())
    return lines


def added(content):
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
            "special": True}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/hf/llama2-tok")
    parser.add_argument("--root", default=".")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_lines(args.root)), model_writer=model, model_type="bpe", vocab_size=1000,
        byte_fallback=True, split_digits=True, add_dummy_prefix=True, remove_extra_whitespaces=False,
        normalization_rule_name="identity", allow_whitespace_only_pieces=True, character_coverage=0.98,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, max_sentence_length=100000, minloglevel=2)
    with open(os.path.join(args.out, "tokenizer.model"), "wb") as f:
        f.write(model.getvalue())
    sp_size = spm.SentencePieceProcessor(model_proto=model.getvalue()).get_piece_size()
    config = {
        "add_bos_token": True,
        "add_eos_token": False,
        "added_tokens_decoder": {"0": added("<unk>"), "1": added("<s>"), "2": added("</s>"),
                                 str(sp_size): added("<pad>")},
        "bos_token": "<s>",
        "chat_template": LLAMA2_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "</s>",
        "model_max_length": 4096,
        "pad_token": "<pad>",
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": "<unk>",
    }
    with open(os.path.join(args.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)
    with open(os.path.join(args.out, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}, f, indent=2)

    legacy = LlamaTokenizer.from_pretrained(args.out)
    assert legacy.legacy, "transformers' default changed: expected legacy=True when tokenizer_config.json is silent"
    non_legacy = LlamaTokenizer.from_pretrained(args.out, legacy=False)
    fast = LlamaTokenizerFast.from_pretrained(args.out, from_slow=True)
    expected = {"texts": TEXTS, "sp_vocab_size": sp_size, "legacy": [], "non_legacy": [], "decoded": []}
    for text in TEXTS:
        ids = legacy.encode(text)
        expected["legacy"].append(ids)
        expected["non_legacy"].append(non_legacy.encode(text))
        expected["decoded"].append(legacy.decode(ids, skip_special_tokens=True))
        fast_ids = fast.encode(text)
        if fast_ids != ids:
            print(f"note: LlamaTokenizerFast differs from the slow tokenizer on {text!r}:\n  slow {ids}\n  fast {fast_ids}")
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
    print(f"wrote {args.out} (SentencePiece vocabulary {sp_size} + <pad>)")


if __name__ == "__main__":
    main()
