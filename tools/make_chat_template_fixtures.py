#!/usr/bin/env python3
"""Chat templates as published in tokenizer_config.json and the strings / ids transformers'
apply_chat_template(add_generation_prompt=True) makes of a few conversations.

Writes
  tests/fixtures/hf/chat_templates/templates.json  {name: {"chat_template", "bos_token", "eos_token"}}
  tests/fixtures/hf/chat_templates/expected.json   {"conversations": [[{role, content}]],
      "rendered": {name: [string, or null where the template raises]},
      "llama2_ids": [ids of the llama2 rendering with tests/fixtures/hf/llama2-tok (tokenize=True)]}
  tests/fixtures/hf/qwen2-chat/  a tiny random Qwen2 (vocabulary of tests/fixtures/hf/tokenizers/qwen2.json)
      with tokenizer.json, tokenizer_config.json (the Qwen2 ChatML template, eos <|im_end|>),
      generation_config.json and expected_chat.json {"conversations", "prompt_ids"} (tokenize=True)
  tests/fixtures/hf/llama2-chat/  the same for a tiny random Llama with the tokenizer.model of
      tests/fixtures/hf/llama2-tok (slow LlamaTokenizer) and Llama 2's template
so that tests/unit/pretrained/chat_template_test.cpp and tests/cli/hf_chat.sh check lmforge's
rendering without Python. The templates are the ones the model cards ship (Qwen2-Instruct,
Meta-Llama-3-Instruct, Llama-2-chat, Mistral-7B-Instruct-v0.1, gemma-it) and a plain ChatML one.

  /tmp/hfenv/bin/python tools/make_chat_template_fixtures.py   (transformers 4.44, torch, jinja2)
Run tools/make_llama2_tokenizer_fixtures.py first (the llama2 ids use its tokenizer).
"""
import argparse
import json
import os
import shutil

import torch
from jinja2.exceptions import TemplateError
from transformers import (AutoTokenizer, LlamaConfig, LlamaForCausalLM, LlamaTokenizer, PreTrainedTokenizerFast,
                          Qwen2Config, Qwen2ForCausalLM)

QWEN2 = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
         "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
         "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
          "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
          "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
          "{{ content }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")
LLAMA2 = ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = "
          "messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}"
          "{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
          "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + "
          "'\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}"
          "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
          "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
          "{% endfor %}")
MISTRAL = ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
           "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
           "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
           "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
           "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}")
GEMMA = ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
         "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
         "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
         "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
         "{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
         "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}")

TEMPLATES = {
    "qwen2": {"chat_template": QWEN2, "bos_token": None, "eos_token": "<|im_end|>"},
    "chatml": {"chat_template": CHATML, "bos_token": "<s>", "eos_token": "</s>"},
    "llama3": {"chat_template": LLAMA3, "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama2": {"chat_template": LLAMA2, "bos_token": "<s>", "eos_token": "</s>"},
    "mistral": {"chat_template": MISTRAL, "bos_token": "<s>", "eos_token": "</s>"},
    "gemma": {"chat_template": GEMMA, "bos_token": "<bos>", "eos_token": "<eos>"},
}

CONVERSATIONS = [
    [{"role": "user", "content": "你好，介绍一下你自己。"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "  What is 2+2?  "}],
    [{"role": "system", "content": "用中文回答。"}, {"role": "user", "content": "Hi 😀"},
     {"role": "assistant", "content": " Hello! 你好 "}, {"role": "user", "content": "def f(x): return x\n解释这段代码"}],
    [{"role": "user", "content": "First"}, {"role": "assistant", "content": "Second"},
     {"role": "user", "content": "Third\n\nwith lines"}],
]


def render(tok, template, conversation, **kw):
    try:
        return tok.apply_chat_template(conversation, chat_template=template, add_generation_prompt=True, **kw)
    except TemplateError:  # raise_exception(...) in the template: it refuses this conversation
        return None


def qwen2_chat_model(out, tokenizer_json):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tok = PreTrainedTokenizerFast(tokenizer_file=tokenizer_json, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  chat_template=QWEN2)
    tok.save_pretrained(out)
    os.remove(os.path.join(out, "special_tokens_map.json"))  # tokenizer_config.json holds them too
    torch.manual_seed(5)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_attention_heads=2,
                         num_key_value_heads=1, num_hidden_layers=1, max_position_embeddings=256,
                         tie_word_embeddings=True, bos_token_id=None, eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"))
    model = Qwen2ForCausalLM(config).eval()
    model.generation_config.eos_token_id = [tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")]
    model.save_pretrained(out, safe_serialization=True)
    tok = AutoTokenizer.from_pretrained(out)
    ids = [tok.apply_chat_template(c, add_generation_prompt=True, tokenize=True) for c in CONVERSATIONS]
    with open(os.path.join(out, "expected_chat.json"), "w", encoding="utf-8") as f:
        json.dump({"conversations": CONVERSATIONS, "prompt_ids": ids}, f, ensure_ascii=False)


def llama2_chat_model(out, tokenizer_dir):
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(tokenizer_dir, out)
    os.remove(os.path.join(out, "expected.json"))
    tok = LlamaTokenizer.from_pretrained(out)
    torch.manual_seed(7)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_attention_heads=2,
                         num_key_value_heads=1, num_hidden_layers=1, max_position_embeddings=256,
                         tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
    LlamaForCausalLM(config).eval().save_pretrained(out, safe_serialization=True)
    ids = [render(tok, LLAMA2, c, tokenize=True) for c in CONVERSATIONS]
    with open(os.path.join(out, "expected_chat.json"), "w", encoding="utf-8") as f:
        json.dump({"conversations": CONVERSATIONS, "prompt_ids": ids}, f, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", default="tests/fixtures/hf")
    args = parser.parse_args()
    out = os.path.join(args.fixtures, "chat_templates")
    os.makedirs(out, exist_ok=True)
    # Any tokenizer renders: apply_chat_template(tokenize=False) only needs bos / eos strings.
    base = PreTrainedTokenizerFast(tokenizer_file=os.path.join(args.fixtures, "tokenizers/qwen2.json"))
    rendered = {}
    for name, t in TEMPLATES.items():
        base.bos_token, base.eos_token = t["bos_token"], t["eos_token"]
        rendered[name] = [render(base, t["chat_template"], c, tokenize=False) for c in CONVERSATIONS]
    llama2 = AutoTokenizer.from_pretrained(os.path.join(args.fixtures, "llama2-tok"), use_fast=False)
    llama2_ids = [render(llama2, LLAMA2, c, tokenize=True) for c in CONVERSATIONS]
    with open(os.path.join(out, "templates.json"), "w", encoding="utf-8") as f:
        json.dump(TEMPLATES, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"conversations": CONVERSATIONS, "rendered": rendered, "llama2_ids": llama2_ids}, f,
                  ensure_ascii=False, indent=1)
    qwen2_chat_model(os.path.join(args.fixtures, "qwen2-chat"), os.path.join(args.fixtures, "tokenizers/qwen2.json"))
    llama2_chat_model(os.path.join(args.fixtures, "llama2-chat"), os.path.join(args.fixtures, "llama2-tok"))
    print(f"wrote {out}, {args.fixtures}/qwen2-chat and {args.fixtures}/llama2-chat")


if __name__ == "__main__":
    main()
