#include "lmforge/write/prompt_template.h"

#include <algorithm>

#include <toml++/toml.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::write {
namespace {

// Splits "a{x}b{{c" into literal text and slot names; calls on_slot for each name.
template <typename OnText, typename OnSlot>
void scan(const std::string& text, const std::string& where, OnText on_text, OnSlot on_slot) {
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
      on_text(text.substr(i, 1));
      i += 2;
    } else if (text[i] == '{') {
      const auto close = text.find('}', i);
      if (close == std::string::npos) runtime_error("{}: unclosed '{{' (write {{{{ for a literal brace)", where);
      on_slot(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (text[i] == '}') {
      runtime_error("{}: stray '}}' (write }}}} for a literal brace)", where);
    } else {
      const auto next = text.find_first_of("{}", i);
      const auto end = next == std::string::npos ? text.size() : next;
      on_text(text.substr(i, end - i));
      i = end;
    }
  }
}

std::string string_field(const toml::table& t, const char* key, const std::string& where) {
  const auto* node = t.get(key);
  if (!node) return {};
  const auto value = node->value<std::string>();
  if (!value) runtime_error("{}: '{}' must be a string", where, key);
  if (!utf8::is_valid(*value)) runtime_error("{}: '{}' is not valid UTF-8", where, key);
  return *value;
}

}  // namespace

PromptTemplate PromptTemplate::load(const std::filesystem::path& path) {
  return parse(read_file(path), path.string());
}

PromptTemplate PromptTemplate::parse(const std::string& toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    runtime_error("{}:{}: {}", source, e.source().begin.line, std::string(e.description()));
  }
  PromptTemplate t;
  t.source_ = source;
  for (const auto& [key, node] : root)
    if (key != "name" && key != "description" && key != "control" && key != "prompt" && key != "slots")
      runtime_error("{}: unknown key '{}' (name, description, control, prompt, [slots.NAME])", source, key.str());
  t.name_ = string_field(root, "name", source);
  t.description_ = string_field(root, "description", source);
  t.control_ = string_field(root, "control", source);
  t.prompt_ = string_field(root, "prompt", source);
  if (t.prompt_.empty() && t.control_.empty()) runtime_error("{}: a template needs a prompt or a control", source);
  if (const auto* slots = root.get("slots")) {
    if (!slots->is_table()) runtime_error("{}: 'slots' must be a table of [slots.NAME] tables", source);
    for (const auto& [name, node] : *slots->as_table()) {
      const std::string where = fmt::format("{}: slot '{}'", source, name.str());
      if (!node.is_table()) runtime_error("{} must be a table", where);
      const auto& s = *node.as_table();
      TemplateSlot slot;
      for (const auto& [key, value] : s)
        if (key != "description" && key != "default" && key != "required" && key != "choices")
          runtime_error("{}: unknown key '{}' (description, default, required, choices)", where, key.str());
      slot.description = string_field(s, "description", where);
      slot.default_value = string_field(s, "default", where);
      if (const auto* required = s.get("required")) {
        if (!required->is_boolean()) runtime_error("{}: 'required' must be true or false", where);
        slot.required = required->as_boolean()->get();
      }
      if (const auto* choices = s.get("choices")) {
        if (!choices->is_array()) runtime_error("{}: 'choices' must be an array of strings", where);
        for (const auto& c : *choices->as_array()) {
          if (!c.is_string()) runtime_error("{}: 'choices' must be an array of strings", where);
          slot.choices.push_back(c.as_string()->get());
        }
      }
      if (slot.required && !slot.default_value.empty()) runtime_error("{}: a required slot cannot have a default", where);
      if (!slot.default_value.empty() && !slot.choices.empty() &&
          std::find(slot.choices.begin(), slot.choices.end(), slot.default_value) == slot.choices.end())
        runtime_error("{}: default '{}' is not one of its choices", where, slot.default_value);
      t.slots_[std::string(name.str())] = std::move(slot);
    }
  }
  for (const auto* field : {&t.control_, &t.prompt_}) {
    const std::string where = fmt::format("{}: {}", source, field == &t.control_ ? "control" : "prompt");
    scan(*field, where, [](const std::string&) {}, [&](const std::string& slot) {
      if (!t.slots_.count(slot)) runtime_error("{} uses {{{}}}, which is not a declared slot ([slots.{}])", where, slot, slot);
    });
  }
  return t;
}

RenderedPrompt PromptTemplate::render(const std::map<std::string, std::string>& values) const {
  for (const auto& [name, value] : values)
    if (!slots_.count(name)) {
      std::string known;
      for (const auto& [slot, unused] : slots_) known += (known.empty() ? "" : ", ") + slot;
      usage_error("template '{}' has no slot '{}' (slots: {})", name_.empty() ? source_ : name_, name, known);
    }
  std::map<std::string, std::string> filled;
  for (const auto& [name, slot] : slots_) {
    auto it = values.find(name);
    std::string value = it != values.end() ? it->second : slot.default_value;
    if (it == values.end() && slot.required)
      usage_error("template slot '{}' is required ({}): --slot {}=...", name, slot.description, name);
    if (!slot.choices.empty() && std::find(slot.choices.begin(), slot.choices.end(), value) == slot.choices.end()) {
      std::string choices;
      for (const auto& c : slot.choices) choices += (choices.empty() ? "" : ", ") + c;
      usage_error("template slot '{}': '{}' is not one of {}", name, value, choices);
    }
    filled[name] = std::move(value);
  }
  auto expand = [&](const std::string& text) {
    std::string out;
    scan(text, source_, [&](const std::string& literal) { out += literal; },
         [&](const std::string& slot) { out += filled.at(slot); });
    return out;
  };
  return {expand(control_), expand(prompt_)};
}

std::string PromptTemplate::usage() const {
  std::string out;
  for (const auto& [name, slot] : slots_) {
    out += fmt::format("  --slot {}=...  {}", name, slot.description);
    if (slot.required) out += " (required)";
    if (!slot.default_value.empty()) out += fmt::format(" (default: {})", slot.default_value);
    if (!slot.choices.empty()) {
      std::string choices;
      for (const auto& c : slot.choices) choices += (choices.empty() ? "" : "|") + c;
      out += fmt::format(" [{}]", choices);
    }
    out += '\n';
  }
  return out;
}

}  // namespace lmforge::write
