#!/usr/bin/env python3
"""BERT-family fixtures: WordPiece tokenizer.json files with the ids `tokenizers` gives, and tiny
random BertModel checkpoints with the hidden states `transformers` computes and the pooled
sentence embeddings sentence-transformers' Pooling (+ Normalize) would give.

Writes
  tests/fixtures/hf/bert-tokenizers/{uncased,cased}.json + expected.json
      uncased  BertNormalizer(lowercase, strip_accents null = lowercase), BertPreTokenizer,
               TemplateProcessing [CLS] $A [SEP], decoder WordPiece
      cased    BertNormalizer(no lowercase, no accent stripping), BertProcessing,
               max_input_chars_per_word 8 (longer words are [UNK])
      expected.json {"texts": [...], "<name>": [[ids]...], "<name>_decoded": [...]}
  tests/fixtures/hf/bert/        float32 BertModel (tensor names as sentence-transformers saves
               them), tokenizer.json (uncased), modules.json + 1_Pooling/config.json (mean) +
               2_Normalize, sentence_bert_config.json (max_seq_length 24)
  tests/fixtures/hf/bert-fp16/   float16 weights named "bert.*" as BertForMaskedLM saves them (with
               its cls.* head, which an encoder leaves unused); no sentence-transformers files
               (mean pooling, no normalisation)
  each with expected.safetensors:
      input_ids, attention_mask  I64 [B, T]   a padded batch of the texts (right padding)
      hidden                     F32 [B, T, H] last_hidden_state (weights upcast to float32)
      pooled                     F32 [B, H]    mean over the attention mask (L2-normalised for bert/)
  and sentences.txt (the batch's texts) + expected_pooled.txt (pooled as text, for the CLI test).

Needs tokenizers, transformers (tested with 4.44.2), torch, safetensors:
  python3 tools/make_bert_fixtures.py [--out tests/fixtures/hf]
"""
import argparse
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, BertModel

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

CORPUS = [
    "The quick brown fox jumps over the lazy dog. It's 2024 and we're testing tokenizers!",
    "自然语言处理是人工智能的一个重要方向。我们在北京和上海训练模型，效果很好。",
    "def tokenize(text: str) -> list[int]:\n    return [ord(c) for c in text]  # 1234567\n",
    "Naïve café résumé, Ünïcödé and ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ. Sentence embeddings for retrieval.",
    "I'll say THEY'RE here, you'VE seen it; don't    worry\t\ttabs\r\nand   spaces.",
    "今天天气不错，我们去公园散步吧！Let's go at 3:30pm, okay? 好的",
    "for (int i = 0; i < 10; ++i) { sum += a[i] * b[i]; }\n\nreturn sum;",
    "密码忘了怎么办？如何修改绑定的手机号码？订单什么时候发货？",
] * 20

TEXTS = [
    "Hello world! 你好，世界。I'm testing 12345 tokens 😀👍🏽 here.",
    "def f(x):\n    return x ** 2  # 平方\n\n\tprint(f(3))   ",
    "[CLS]中文和English混合, they'RE DON'T 9876543210 ｆｕｌｌ 🎉[SEP] Supercalifragilistic",
    "  leading spaces, trailing\n\n\n  \u00e9 vs e\u0301, ÀÉÎõü ΣΑΣ İ \u200b zero-width \x00\ufffd\x07 ctrl",
    "",
    "こんにちは 안녕하세요 Привет мир — “quotes” …",
]

# The model fixtures' batch: different lengths, so padding and the attention mask matter.
BATCH = ["密码忘了怎么办？", "How do I reset my password? It's urgent!", "今天天气不错 ok"]


def wordpiece(lowercase, strip_accents, max_chars, bert_processing):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=max_chars))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=strip_accents, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    trainer = trainers.WordPieceTrainer(vocab_size=600, special_tokens=SPECIALS, show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if bert_processing:
        tok.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    else:
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def write_tokenizers(out):
    os.makedirs(out, exist_ok=True)
    expected = {"texts": TEXTS}
    for name, tok in (("uncased", wordpiece(True, None, 100, False)), ("cased", wordpiece(False, False, 8, True))):
        path = os.path.join(out, f"{name}.json")
        tok.save(path)
        tok = Tokenizer.from_file(path)
        expected[name] = [tok.encode(t).ids for t in TEXTS]
        expected[name + "_decoded"] = [tok.decode(ids, skip_special_tokens=False) for ids in expected[name]]
        expected[name + "_decoded_skip"] = [tok.decode(ids) for ids in expected[name]]
        print(name, tok.get_vocab_size(), "pieces;", [len(ids) for ids in expected[name]], "ids")
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
    return os.path.join(out, "uncased.json")


def write_model(out, tokenizer_path, dtype, masked_lm, sentence_transformers):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tok = Tokenizer.from_file(tokenizer_path)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, pad_token_id=0)
    config._attn_implementation = "eager"
    model = (BertForMaskedLM(config) if masked_lm else BertModel(config)).eval()
    with torch.no_grad():  # non-trivial LayerNorm parameters, so a missed one shows
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.add_(torch.randn_like(p) * 0.1)
    state = {k: v.to(dtype).contiguous() for k, v in model.state_dict().items() if "position_ids" not in k}
    if masked_lm:  # tied decoder weight: saved once, as transformers does
        state.pop("cls.predictions.decoder.weight", None)
    save_file(state, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(out)
    shutil.copy(tokenizer_path, os.path.join(out, "tokenizer.json"))
    max_len = 64
    if sentence_transformers:
        max_len = 24
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
                  open(os.path.join(out, "modules.json"), "w"), indent=2)
        os.makedirs(os.path.join(out, "1_Pooling"))
        json.dump({"word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
                   "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False},
                  open(os.path.join(out, "1_Pooling", "config.json"), "w"), indent=2)
        json.dump({"max_seq_length": max_len, "do_lower_case": False},
                  open(os.path.join(out, "sentence_bert_config.json"), "w"), indent=2)

    # The reference: the saved (possibly float16) weights read back into a float32 BertModel.
    reference = BertModel(config, add_pooling_layer=not masked_lm).eval()
    loaded = {k.removeprefix("bert."): v.float() for k, v in state.items() if not k.startswith("cls.")}
    missing, unexpected = reference.load_state_dict(loaded, strict=False)
    assert not unexpected and all("position_ids" in k for k in missing), (missing, unexpected)
    tok.enable_truncation(max_len)
    encodings = [tok.encode(t).ids for t in BATCH]
    length = max(len(e) for e in encodings)
    input_ids = torch.zeros(len(BATCH), length, dtype=torch.int64)
    mask = torch.zeros(len(BATCH), length, dtype=torch.int64)
    for i, e in enumerate(encodings):
        input_ids[i, :len(e)] = torch.tensor(e)
        mask[i, :len(e)] = 1
    with torch.no_grad():
        hidden = reference(input_ids=input_ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).float()
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    if sentence_transformers:
        pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
    save_file({"input_ids": input_ids, "attention_mask": mask, "hidden": hidden.contiguous(), "pooled": pooled.contiguous()},
              os.path.join(out, "expected.safetensors"))
    with open(os.path.join(out, "sentences.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(BATCH) + "\n")
    with open(os.path.join(out, "expected_pooled.txt"), "w") as f:  # for tests/cli/embed_sentences.sh
        for row in pooled.tolist():
            f.write(" ".join(f"{v:.7g}" for v in row) + "\n")
    print(out, dtype, "batch", tuple(input_ids.shape))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/fixtures/hf")
    args = parser.parse_args()
    torch.manual_seed(23)
    tokenizer = write_tokenizers(os.path.join(args.out, "bert-tokenizers"))
    write_model(os.path.join(args.out, "bert"), tokenizer, torch.float32, masked_lm=False, sentence_transformers=True)
    write_model(os.path.join(args.out, "bert-fp16"), tokenizer, torch.float16, masked_lm=True,
                sentence_transformers=False)


if __name__ == "__main__":
    main()
