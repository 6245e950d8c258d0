// Prompt templates: a small TOML file with named slots that builds the control and the prompt,
// so that a founder fills in "product, features, audience" instead of writing prompts.
//
//   name = "外卖评价"
//   control = "{sentiment}"              # optional: the control prefix's value (controls.json)
//   prompt = "{dish}"                    # the text the model continues
//   [slots.sentiment]
//   description = "好评 or 差评"
//   default = "好评"
//   choices = ["好评", "差评"]
//   [slots.dish]
//   description = "the dish the review starts with"
//   required = true
//
// A placeholder is {slot_name}; {{ and }} are literal braces. Loading checks that every
// placeholder names a declared slot; rendering checks required slots, choices and unknown slots.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lmforge::write {

struct TemplateSlot {
  std::string description;
  std::string default_value;         // used when the slot is not given
  bool required = false;             // must be given (a default makes no sense then)
  std::vector<std::string> choices;  // empty: any value
};

struct RenderedPrompt {
  std::string control;  // empty: no control prefix
  std::string prompt;
};

class PromptTemplate {
 public:
  static PromptTemplate load(const std::filesystem::path& path);   // RuntimeError naming the problem
  static PromptTemplate parse(const std::string& toml_text, const std::string& source_name);

  // UsageError for a missing required slot, a value outside its choices, or an unknown slot.
  RenderedPrompt render(const std::map<std::string, std::string>& values) const;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::map<std::string, TemplateSlot>& slots() const { return slots_; }
  std::string usage() const;  // one line per slot, for --help-like listings

 private:
  std::string source_, name_, description_, control_, prompt_;
  std::map<std::string, TemplateSlot> slots_;
};

}  // namespace lmforge::write
