// Fine-tuning examples: token ids with the positions the loss is taken on.
//
//   --data F.jsonl, one JSON object a line, either
//     {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}
//         rendered with the model's chat template (tokenizer_config.json, see
//         lmforge/serve/hf_chat_template.h); the loss is on the assistant turns only (their
//         content and the template's end of turn, e.g. "<|im_end|>", as TRL's assistant-only
//         loss): each turn's prompt part is render(messages before it), a prefix of the whole
//     {"prompt": "...", "completion": "..."}
//         tokenised as prompt + completion + eos (no template); the loss is on completion + eos
//   --text F.txt: the whole file tokenised (with the tokenizer's bos) + eos, cut into windows of
//         seq_len tokens; the loss is on every position but each window's first (nothing
//         precedes it); the last window is kept if it has >= 2 tokens
//
// Truncation: an example longer than seq_len keeps its first seq_len tokens; one left without
// a target token is dropped. No packing: a micro-batch pads its rows on the right to its
// longest row (padding is never a target; the causal mask keeps real tokens from seeing it).
// Pieces are tokenised one by one (template parts, then each turn) and concatenated, so a
// merge across a turn boundary that tokenising the whole string would make is not made.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lmforge/serve/hf_chat_template.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::finetune {

struct Example {
  std::vector<int> ids;
  std::vector<std::uint8_t> target;  // target[i] = 1: ids[i] is predicted (from ids[..i)) in the loss
};

struct FinetuneData {
  std::vector<Example> examples;
  std::string format;               // "messages", "prompt-completion" or "text"
  std::int64_t truncated = 0;       // examples cut at seq_len
  std::int64_t dropped = 0;         // examples with no target token left after the cut
};

// --data: RuntimeError naming the file and line for a line that is not one of the two forms,
// messages without an assistant turn, messages with no chat template (chat_template null), an
// empty file. The template renders with the tokenizer's special tokens as text (the string
// holds bos), so pieces are encoded with encode_plain.
FinetuneData read_jsonl_examples(const std::filesystem::path& path, const tok::Tokenizer& tokenizer,
                                 const serve::HFChatTemplate* chat_template, std::int64_t seq_len);

// --text: RuntimeError for an empty file or one shorter than 2 tokens.
FinetuneData read_text_examples(const std::filesystem::path& path, const tok::Tokenizer& tokenizer,
                                std::int64_t seq_len);

// One conversation rendered by the template and cut into pieces that alternate prompt /
// assistant turn (content + end of turn), prompt first; their concatenation is the rendering
// without the final generation prompt. What read_jsonl_examples tokenises (exposed for tests).
// RuntimeError when the template's renderings are not prefixes of each other.
struct RenderedChat {
  std::vector<std::string> pieces;
};
RenderedChat render_for_training(const serve::HFChatTemplate& chat_template,
                                 const std::vector<serve::ChatMessage>& messages);

}  // namespace lmforge::finetune
