#include "lmforge/train/classifier_text.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"

namespace lmforge::train {

namespace fs = std::filesystem;

ClassifierText::ClassifierText(ClassifierTextOptions options, std::vector<std::string> vocabulary,
                               std::vector<std::string> labels)
    : options_(std::move(options)), vocabulary_(std::move(vocabulary)), labels_(std::move(labels)) {
  if (options_.tokenizer != "words" && options_.tokenizer != "whitespace" && options_.tokenizer != "chars")
    usage_error("classifier: tokenizer must be words, whitespace or chars (got '{}')", options_.tokenizer);
  if (options_.max_len < 1) usage_error("classifier: max_len must be >= 1 (got {})", options_.max_len);
  if (vocabulary_.size() < 2) usage_error("classifier: the vocabulary needs at least <pad> and <unk>");
  for (std::size_t i = 0; i < vocabulary_.size(); ++i) ids_.emplace(vocabulary_[i], static_cast<std::int64_t>(i));
  if (options_.tokenizer != "chars") {
    classify::TextTokenizerOptions o;
    o.kind = options_.tokenizer == "words" ? classify::TokenizerKind::kWords : classify::TokenizerKind::kWhitespace;
    o.lowercase = options_.lowercase;
    words_ = std::make_unique<classify::TextTokenizer>(o);
  }
}

void ClassifierText::tokens(const std::string& text, std::vector<std::string>& out) const {
  if (words_) {
    words_->tokens(text, out);
    return;
  }
  out.clear();
  for (auto c : utf8::chars(text)) {
    if (c.size() == 1 && std::isspace(static_cast<unsigned char>(c[0]))) continue;
    std::string s(c);
    if (options_.lowercase && s.size() == 1) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    out.push_back(std::move(s));
  }
}

std::vector<std::int64_t> ClassifierText::encode_tokens(const std::vector<std::string>& tokens) const {
  std::vector<std::int64_t> ids;
  const auto n = std::min(tokens.size(), static_cast<std::size_t>(options_.max_len));
  ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) ids.push_back(token_id(tokens[i]));
  return ids;
}

std::int64_t ClassifierText::token_id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kClassifierUnkId : it->second;
}

std::vector<std::int64_t> ClassifierText::encode(const std::string& text) const {
  std::vector<std::string> t;
  tokens(text, t);
  return encode_tokens(t);
}

std::int64_t ClassifierText::label_id(const std::string& label) const {
  auto it = std::find(labels_.begin(), labels_.end(), label);
  return it == labels_.end() ? -1 : static_cast<std::int64_t>(it - labels_.begin());
}

void ClassifierText::save(const fs::path& dir, const std::string& text_column, const std::string& label_column) const {
  const nlohmann::json json = {{"tokenizer", options_.tokenizer}, {"lowercase", options_.lowercase},
                               {"max_len", options_.max_len},     {"labels", labels_},
                               {"text_column", text_column},      {"label_column", label_column},
                               {"vocab_file", "vocab.txt"}};
  write_file_atomic(dir / kClassifierDataFile, json.dump(2) + "\n");
  std::string vocab;
  for (const auto& t : vocabulary_) vocab += t + "\n";
  write_file_atomic(dir / "vocab.txt", vocab);
}

ClassifierText ClassifierText::load(const fs::path& dir) {
  const auto path = dir / kClassifierDataFile;
  if (!fs::exists(path)) runtime_error("{}: missing (not a neural classifier model directory)", path.string());
  ClassifierTextOptions o;
  std::vector<std::string> labels;
  try {
    const auto json = nlohmann::json::parse(read_file(path));
    o.tokenizer = json.at("tokenizer").get<std::string>();
    o.lowercase = json.at("lowercase").get<bool>();
    o.max_len = json.at("max_len").get<std::int64_t>();
    labels = json.at("labels").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed: {}", path.string(), e.what());
  }
  std::vector<std::string> vocabulary;
  std::istringstream in(read_file(dir / "vocab.txt"));
  for (std::string line; std::getline(in, line);) vocabulary.push_back(line);
  return ClassifierText(std::move(o), std::move(vocabulary), std::move(labels));
}

std::vector<std::string> ClassifierText::build_vocabulary(const std::vector<std::vector<std::string>>& documents,
                                                          std::int64_t min_count, std::int64_t max_vocab) {
  std::unordered_map<std::string, std::int64_t> counts;
  for (const auto& d : documents)
    for (const auto& t : d) ++counts[t];
  std::vector<std::pair<std::string, std::int64_t>> kept;
  for (auto& [token, count] : counts)
    if (count >= min_count && !token.empty() && token.find('\n') == std::string::npos) kept.emplace_back(token, count);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> vocabulary = {"<pad>", "<unk>"};
  for (auto& [token, count] : kept) {
    if (max_vocab > 0 && static_cast<std::int64_t>(vocabulary.size()) >= max_vocab) break;
    vocabulary.push_back(token);
  }
  return vocabulary;
}

std::vector<std::int64_t> wide_features(const std::vector<std::string>& tokens, std::int64_t max_n,
                                        std::int64_t buckets) {
  std::vector<std::int64_t> out;
  out.reserve(tokens.size() * static_cast<std::size_t>(std::max<std::int64_t>(max_n, 0)));
  for_each_wide_ngram(tokens, max_n, buckets, [&](std::size_t, std::size_t, std::int64_t bucket) { out.push_back(bucket); });
  return out;
}

}  // namespace lmforge::train
