// GGUF metadata as a tokenizer (gguf_tokenizer.h): whatever the key-value section holds (missing
// or mistyped keys, short arrays, duplicate or empty tokens, merges naming unknown pieces, ids
// out of range, a byte-type token that is no "<0xXX>", an unknown model or pre-tokenizer) must end
// in a one-line error at load, and a tokenizer that loads must encode and decode any text.
// The tensor side of the reader is gguf_fuzz.cpp's.
#include "fuzz_support.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/tokenizer/gguf_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  const auto path = fuzz::scratch_file(data, size, ".gguf");
  fuzz::expect_clean_errors([&] {
    const gguf::Reader file(path);
    for (const bool parse_special : {true, false}) {
      const auto tok = tok::load_gguf_tokenizer(file, path, {.parse_special = parse_special});
      for (const char* text : {"", "Hello <s> world</s>\n\n  <|im_start|>\xE4\xBD\xA0\xE5\xA5\xBD 123\xF0\x9F\x98\x80",
                               "\xFF\xE4\xBD bad utf-8 \xC3"}) {
        const auto ids = tok->encode(text);
        for (int id : ids)
          if (id < 0 || id >= tok->vocab_size()) __builtin_trap();  // every id must be a token
        tok->decode(ids);
      }
      for (int id : tok->info().eog_ids)
        if (id < 0 || id >= tok->vocab_size()) __builtin_trap();
    }
  });
  return 0;
}
