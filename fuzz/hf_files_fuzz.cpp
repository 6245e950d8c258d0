// The files of a Hugging Face model directory that are read before any weight: config.json
// (with generation_config.json), tokenizer.json (loaded, then used to encode and decode a mixed
// text), tokenizer_config.json beside a SentencePiece tokenizer.model (Llama 2 style), and the
// Jinja chat template text it carries (recognised and rendered). The first byte picks which. Unsupported architectures, wrong types and malformed
// JSON must end in lmforge's one-line errors.
#include <filesystem>
#include <fstream>

#include "fuzz_support.h"
#include "lmforge/infer/hf_config.h"
#include "lmforge/tokenizer/hf_sp_tokenizer.h"
#include "lmforge/serve/hf_chat_template.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace fs = std::filesystem;

namespace {

// A per-process scratch directory holding one file `name` with the input.
fs::path scratch_dir_with(const std::string& name, std::string_view text) {
  static const fs::path dir = fs::path(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") /
                              ("lmforge-fuzz-hf-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const char* other : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                            "special_tokens_map.json"})
    fs::remove(dir / other);
  std::ofstream(dir / name, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  if (size < 1) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  const std::string mixed = "Hello 世界! 😀 def f(x):\n\treturn x**2  <s>[INST]";
  switch (data[0] % 5) {
    case 0: {
      const auto dir = scratch_dir_with("config.json", text);
      fuzz::expect_clean_errors([&] {
        pretrained::is_hf_model_dir(dir);
        pretrained::read_decoder_config(dir);
      });
      break;
    }
    case 1: {  // generation_config.json beside a valid config
      const auto dir = scratch_dir_with("generation_config.json", text);
      std::ofstream(dir / "config.json") << R"({"model_type": "llama", "vocab_size": 32, "hidden_size": 8,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 16})";
      fuzz::expect_clean_errors([&] { pretrained::read_decoder_config(dir); });
      break;
    }
    case 3: {  // tokenizer_config.json beside a real tokenizer.model
      const auto dir = scratch_dir_with("tokenizer_config.json", text);
      fs::copy_file(LMFORGE_SOURCE_DIR "/tests/fixtures/hf/llama2-tok/tokenizer.model", dir / "tokenizer.model",
                    fs::copy_options::overwrite_existing);
      fuzz::expect_clean_errors([&] {
        const auto tokenizer = tok::HFSentencePieceTokenizer::load(dir);
        const auto ids = tokenizer->encode(mixed);
        tokenizer->decode(ids);
        tokenizer->encode_plain(mixed);
      });
      break;
    }
    case 4: {  // a chat template's Jinja text
      fuzz::expect_clean_errors([&] {
        const auto chat = serve::HFChatTemplate::detect(std::string(text), "<s>", "</s>");
        if (!chat) return;
        chat->render({{"system", "简短"}, {"user", "hi"}, {"assistant", "ok"}, {"user", "?"}});
        chat->render({{"user", "hi"}});
        chat->end_of_turn_tokens();
      });
      break;
    }
    default: {
      const auto dir = scratch_dir_with("tokenizer.json", text);
      fuzz::expect_clean_errors([&] {
        const auto tokenizer = tok::HFTokenizer::load(dir / "tokenizer.json");
        const auto ids = tokenizer->encode(mixed);
        tokenizer->decode(ids);
        tokenizer->decode(ids, false);
        tokenizer->encode_pieces("ab  c\u00a0d");
        const std::vector<int> out_of_range{-1, 0, 1 << 30};  // ids from a client, not from encode
        tokenizer->decode(out_of_range);
      });
    }
  }
  return 0;
}
