// The TOML files users write: moderation policies and prompt templates (the first byte picks
// which). Unknown keys, wrong types, bad actions and invalid UTF-8 are clear errors.
#include "fuzz_support.h"
#include "lmforge/moderate/policy.h"
#include "lmforge/write/prompt_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lmforge;
  if (size < 1) return 0;
  const std::string text(fuzz::as_text(data + 1, size - 1));
  if (data[0] % 2) {
    fuzz::expect_clean_errors([&] { moderate::parse_policy(text, "/nonexistent", "fuzz.toml"); });
  } else {
    fuzz::expect_clean_errors([&] {
      const auto t = write::PromptTemplate::parse(text, "fuzz.toml");
      t.render({});
      t.usage();
    });
  }
  return 0;
}
