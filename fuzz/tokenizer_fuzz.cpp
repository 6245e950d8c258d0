// Tokenizer files from outside: our .lmtok format and SentencePiece .model protobufs (the first
// byte picks which). A file that parses must also encode and decode a mixed text without
// crashing: a parsed spec with inconsistent pieces is as dangerous as a truncated file.
#include "fuzz_support.h"
#include "lmforge/tokenizer/lmtok_format.h"
#include "lmforge/tokenizer/sentencepiece_model.h"
#include "lmforge/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  if (size < 1) return 0;
  const auto bytes = fuzz::as_text(data + 1, size - 1);
  fuzz::expect_clean_errors([&] {
    tok::ModelSpec spec = data[0] % 2 ? tok::parse_sentencepiece_model(bytes, "fuzz.model")
                                      : tok::parse_lmtok(bytes, "fuzz.lmtok");
    auto tokenizer = tok::Tokenizer::from_spec(std::move(spec));
    const auto ids = tokenizer->encode("Hello, 世界! ｆｕｌｌ　width 😀 code(){}");
    tokenizer->decode(ids);
  });
  return 0;
}
