#include "lmforge/moderate/policy.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>

#include <toml++/toml.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::moderate {
namespace {

void check_keys(const toml::table& table, const std::set<std::string_view>& allowed, const std::string& where) {
  for (auto& [key, value] : table) {
    if (!allowed.contains(key.str())) {
      std::string list;
      for (auto k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      runtime_error("{}: unknown key '{}' (known: {})", where, key.str(), list);
    }
  }
}

Action require_action(const toml::node& node, const std::string& where) {
  auto name = node.value<std::string>();
  Action action;
  if (!name || !parse_action(*name, action))
    runtime_error("{}: unknown action '{}' (allow, review or block)", where, name ? *name : "<not a string>");
  return action;
}

double require_number(const toml::node& node, const std::string& where) {
  auto v = node.value<double>();
  if (!v) runtime_error("{}: expected a number", where);
  return *v;
}

std::string require_string(const toml::node& node, const std::string& where) {
  auto v = node.value<std::string>();
  if (!v) runtime_error("{}: expected a string", where);
  if (!utf8::is_valid(*v)) runtime_error("{}: not valid UTF-8", where);
  return *v;
}

CategoryPolicy parse_category(const toml::table& t, const std::string& base_dir, const std::string& where0) {
  CategoryPolicy c;
  check_keys(t,
             {"name", "words", "word_files", "thresholds", "action", "threshold", "classifier", "classifier_label",
              "classifier_threshold", "classifier_action"},
             where0);
  if (!t.contains("name")) runtime_error("{}: a category needs a name", where0);
  c.name = require_string(*t.get("name"), where0 + ".name");
  const std::string where = fmt::format("{} '{}'", where0, c.name);
  if (auto* words = t.get("words")) {
    auto* arr = words->as_array();
    if (!arr) runtime_error("{}: words must be an array of strings", where);
    for (auto& w : *arr) c.words.push_back({require_string(w, where + ".words"), 1.0});
  }
  if (auto* files = t.get("word_files")) {
    auto* arr = files->as_array();
    if (!arr) runtime_error("{}: word_files must be an array of paths", where);
    for (auto& f : *arr) {
      std::filesystem::path p = require_string(f, where + ".word_files");
      if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
      auto entries = read_word_file(p.string());
      c.words.insert(c.words.end(), entries.begin(), entries.end());
    }
  }
  if (auto* th = t.get("thresholds")) {
    auto* table = th->as_table();
    if (!table) runtime_error("{}: thresholds must be a table such as {{ review = 1.0, block = 2.0 }}", where);
    for (auto& [key, value] : *table) {
      Action a;
      if (!parse_action(key.str(), a))
        runtime_error("{}: unknown action '{}' in thresholds (allow, review or block)", where, key.str());
      c.thresholds.push_back({require_number(value, where + ".thresholds"), a});
    }
  }
  if (t.contains("action") || t.contains("threshold")) {
    if (!c.thresholds.empty()) runtime_error("{}: give either thresholds or action/threshold, not both", where);
    ActionThreshold at;
    at.action = t.contains("action") ? require_action(*t.get("action"), where + ".action") : Action::kBlock;
    at.min_score = t.contains("threshold") ? require_number(*t.get("threshold"), where + ".threshold") : 1.0;
    c.thresholds.push_back(at);
  }
  if (c.thresholds.empty()) c.thresholds.push_back({1.0, Action::kBlock});
  for (auto& th : c.thresholds)
    if (!(th.min_score > 0)) runtime_error("{}: thresholds must be positive (a zero score means no match)", where);
  std::sort(c.thresholds.begin(), c.thresholds.end(),
            [](auto& a, auto& b) { return a.min_score < b.min_score; });
  Action most_severe = Action::kAllow;
  for (auto& th : c.thresholds) most_severe = std::max(most_severe, th.action);
  c.classifier_action = most_severe;
  if (auto* n = t.get("classifier")) {
    std::filesystem::path p = require_string(*n, where + ".classifier");
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    c.classifier = p.string();
  }
  if (auto* n = t.get("classifier_label")) c.classifier_label = require_string(*n, where + ".classifier_label");
  if (auto* n = t.get("classifier_threshold")) {
    c.classifier_threshold = require_number(*n, where + ".classifier_threshold");
    if (c.classifier_threshold < 0 || c.classifier_threshold > 1)
      runtime_error("{}: classifier_threshold must be a probability in [0, 1]", where);
  }
  if (auto* n = t.get("classifier_action")) c.classifier_action = require_action(*n, where + ".classifier_action");
  if (c.words.empty() && c.classifier.empty())
    runtime_error("{}: neither words, word_files nor a classifier: the category could never fire", where);
  return c;
}

}  // namespace

std::string action_name(Action action) {
  switch (action) {
    case Action::kAllow: return "allow";
    case Action::kReview: return "review";
    case Action::kBlock: return "block";
  }
  return "allow";
}

bool parse_action(std::string_view name, Action& action) {
  if (name == "allow") action = Action::kAllow;
  else if (name == "review") action = Action::kReview;
  else if (name == "block") action = Action::kBlock;
  else return false;
  return true;
}

std::vector<LexiconEntry> read_word_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) runtime_error("cannot open word file '{}'", path);
  std::vector<LexiconEntry> out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
    const auto bad = utf8::find_invalid(line);
    if (bad != std::string::npos) runtime_error("{}:{}: invalid UTF-8 at byte {}", path, number, bad + 1);
    if (line.empty() || line.starts_with("# ") || line == "#") continue;
    LexiconEntry e;
    const auto tab = line.find('\t');
    e.word = line.substr(0, tab);
    if (tab != std::string::npos) {
      const std::string w = line.substr(tab + 1);
      const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), e.weight);
      if (ec != std::errc() || ptr != w.data() + w.size() || !(e.weight > 0))
        runtime_error("{}:{}: weight '{}' is not a positive number", path, number, w);
    }
    if (!e.word.empty()) out.push_back(std::move(e));
  }
  return out;
}

Policy parse_policy(std::string_view toml_text, const std::string& base_dir, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    runtime_error("{}:{}: {}", source, e.source().begin.line, e.description());
  }
  check_keys(root, {"name", "default_action", "normalize", "category"}, source);
  Policy p;
  if (auto* n = root.get("name")) p.name = require_string(*n, source + ": name");
  if (auto* n = root.get("default_action")) p.default_action = require_action(*n, source + ": default_action");
  if (auto* n = root.get("normalize")) {
    auto* t = n->as_table();
    if (!t) runtime_error("{}: [normalize] must be a table", source);
    check_keys(*t, {"fold", "t2s", "skip_separators"}, source + ": [normalize]");
    auto flag = [&](const char* key, bool& field) {
      if (auto* v = t->get(key)) {
        auto b = v->value<bool>();
        if (!b) runtime_error("{}: normalize.{} must be true or false", source, key);
        field = *b;
      }
    };
    flag("fold", p.normalize.fold);
    flag("t2s", p.normalize.t2s);
    flag("skip_separators", p.normalize.skip_separators);
  }
  auto* cats = root.get("category");
  if (!cats || !cats->as_array() || cats->as_array()->empty())
    runtime_error("{}: no [[category]]: a policy needs at least one category", source);
  std::set<std::string> names;
  std::size_t index = 0;
  for (auto& node : *cats->as_array()) {
    ++index;
    auto* t = node.as_table();
    if (!t) runtime_error("{}: category {} must be a table ([[category]])", source, index);
    p.categories.push_back(parse_category(*t, base_dir, fmt::format("{}: category {}", source, index)));
    if (!names.insert(p.categories.back().name).second)
      runtime_error("{}: category '{}' is defined twice", source, p.categories.back().name);
  }
  return p;
}

Policy load_policy(const std::string& path) {
  const std::string text = read_file(path);
  const auto base = std::filesystem::path(path).parent_path().string();
  return parse_policy(text, base.empty() ? "." : base, path);
}

}  // namespace lmforge::moderate
