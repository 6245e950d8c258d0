// UTF-8 validation and the text cleaner (NFKC, width, controls, whitespace, lower case, 繁→简)
// on arbitrary bytes: invalid input is replaced first, as `text clean --on-invalid replace` does.
#include "fuzz_support.h"
#include "lmforge/common/utf8.h"
#include "lmforge/text/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  const auto bytes = fuzz::as_text(data, size);
  const std::string text = utf8::replace_invalid(bytes);
  if (!utf8::is_valid(text)) __builtin_trap();
  static text::TextCleaner plain({});
  static text::TextCleaner everything({.punct = text::PunctWidth::kHalf, .t2s = true, .lowercase = true});
  const std::string a = plain.clean(text);
  const std::string b = everything.clean(text);
  if (!utf8::is_valid(a) || !utf8::is_valid(b)) __builtin_trap();
  std::size_t i = 0;
  while (i < bytes.size()) utf8::decode(bytes, i);  // never reads past the end
  return 0;
}
