#include "lmforge/text/stopwords.h"

#include <algorithm>
#include <filesystem>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/text/segment.h"

namespace lmforge::text {

void Stopwords::add(std::string_view word) {
  if (!word.empty()) words_.emplace(word);
}

void Stopwords::add_file(const std::string& path) {
  const std::string content = read_file(path);
  if (const auto bad = utf8::find_invalid(content); bad != std::string::npos)
    runtime_error("{}: invalid UTF-8 at byte {}", path, bad);
  std::size_t pos = 0;
  if (content.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    std::string_view line(content.data() + pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.substr(0, 2) == "# ") continue;
    add(line);
  }
}

void Stopwords::add_bundled(const std::string& language) {
  if (language != "zh" && language != "en")
    usage_error("no bundled stopword list '{}' (bundled: zh, en)", language);
  add_file(bundled_data_path("stopwords/" + language + ".txt"));
}

bool Stopwords::contains(std::string_view word) const {
  if (words_.find(word) != words_.end()) return true;
  if (std::none_of(word.begin(), word.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return false;
  std::string lower(word);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return words_.find(lower) != words_.end();
}

Stopwords load_stopwords(const std::vector<std::string>& specs) {
  Stopwords stop;
  for (const auto& spec : specs) {
    if (spec == "none") {
      if (specs.size() > 1) usage_error("--stopwords none cannot be combined with other lists");
    } else if (spec == "zh" || spec == "en") {
      stop.add_bundled(spec);
    } else {
      if (!std::filesystem::exists(spec))
        runtime_error("stopword list '{}' not found (give zh, en, none or a file)", spec);
      stop.add_file(spec);
    }
  }
  return stop;
}

void remove_stopwords(const Stopwords& stopwords, std::vector<std::string_view>& words) {
  if (stopwords.empty()) return;
  words.erase(std::remove_if(words.begin(), words.end(), [&](std::string_view w) { return stopwords.contains(w); }),
              words.end());
}

}  // namespace lmforge::text
