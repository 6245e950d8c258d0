#!/usr/bin/env python3
"""Small byte-level BPE tokenizer.json files in the GPT-2, Llama 3 and Qwen2 styles, and the ids
the `tokenizers` package gives on a mixed Chinese / English / emoji / code text.

Writes tests/fixtures/hf/tokenizers/<style>.json and tests/fixtures/hf/tokenizers/expected.json
({"texts": [...], "<style>": [[ids of text 0], ...]}), so that tests/unit/tokenizer/ checks
lmforge's tokenizer.json support without Python. Each tokenizer is trained here (vocabulary 800)
with the pre-tokenizer, normalizer, special tokens and post-processor its family publishes:
  gpt2    ByteLevel pre-tokenizer (GPT-2 regex), <|endoftext|>
  llama3  Split(Llama 3 regex) + ByteLevel, ignore_merges, <|begin_of_text|> prepended
  qwen2   NFC, Split(Qwen2 regex) + ByteLevel, <|endoftext|> <|im_start|> <|im_end|>

  python3 tools/make_hf_tokenizer_fixtures.py [--out tests/fixtures/hf/tokenizers]
"""
import argparse
import json
import os

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                  r"\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                 r"\s*[\r\n]+|\s+(?!\S)|\s+")

CORPUS = [
    "The quick brown fox jumps over the lazy dog. It's 2024 and we're testing tokenizers!",
    "自然语言处理是人工智能的一个重要方向。我们在北京和上海训练模型，效果很好。",
    "def tokenize(text: str) -> list[int]:\n    return [ord(c) for c in text]  # 1234567\n",
    "Emoji test: 😀🎉👍🏽 — naïve café résumé, Ünïcödé and ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ.",
    "I'll say THEY'RE here, you'VE seen it; don't    worry\t\ttabs\r\nand   spaces.",
    "今天天气不错，我们去公园散步吧！Let's go at 3:30pm, okay? 好的👌",
    "for (int i = 0; i < 10; ++i) { sum += a[i] * b[i]; }\n\nreturn sum;",
] * 20

TEXTS = [
    "Hello world! 你好，世界。I'm testing 12345 tokens 😀👍🏽 here.",
    "def f(x):\n    return x ** 2  # 平方\n\n\tprint(f(3))   ",
    "<|endoftext|>中文和English混合, they'RE DON'T 9876543210 ｆｕｌｌ 🎉<|im_start|>user\n你好<|im_end|>",
    "  leading spaces, trailing\n\n\n  \u00e9 vs e\u0301 (NFC), ™ ½ \u200b zero-width",
]


def byte_level_bpe(pre_tokenizer, specials, normalizer=None):
    tok = Tokenizer(models.BPE())
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/hf/tokenizers")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    gpt2 = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=False), ["<|endoftext|>"])
    gpt2.post_processor = processors.ByteLevel(trim_offsets=False)

    split = lambda pattern: pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    llama3 = byte_level_bpe(split(LLAMA3_PATTERN), ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"])
    llama3.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
        special_tokens=[("<|begin_of_text|>", llama3.token_to_id("<|begin_of_text|>"))])
    qwen2 = byte_level_bpe(split(QWEN2_PATTERN), ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                           normalizer=normalizers.NFC())
    qwen2.post_processor = processors.ByteLevel(trim_offsets=False)

    expected = {"texts": TEXTS}
    for name, tok in (("gpt2", gpt2), ("llama3", llama3), ("qwen2", qwen2)):
        path = os.path.join(args.out, f"{name}.json")
        tok.save(path)
        if name == "llama3":  # as Meta's tokenizer.json: a whole pre-token in the vocabulary wins
            data = json.load(open(path, encoding="utf-8"))
            data["model"]["ignore_merges"] = True
            json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        tok = Tokenizer.from_file(path)
        expected[name] = [tok.encode(t).ids for t in TEXTS]
        expected[name + "_decoded"] = [tok.decode(ids, skip_special_tokens=False) for ids in expected[name]]
        print(name, os.path.getsize(path), "bytes;", [len(ids) for ids in expected[name]], "ids")
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
