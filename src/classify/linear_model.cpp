#include "lmforge/classify/linear_model.h"

#include <algorithm>
#include <cmath>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/common/safetensors.h"

namespace lmforge::classify {

namespace {
constexpr const char* kFormat = "lmforge-classifier";
constexpr int kVersion = 1;
constexpr std::uint64_t kNgramMultiplier = 116049371;  // fastText's word n-gram hash combiner

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

std::uint32_t fasttext_hash(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<std::uint32_t>(static_cast<std::int8_t>(c));
    h *= 16777619u;
  }
  return h;
}

void LinearModel::build_index() {
  word_index_.clear();
  word_index_.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) word_index_.emplace(words[i], static_cast<std::int32_t>(i));
  bucket_index_.clear();
  bucket_index_.reserve(bucket_ids.size());
  for (std::size_t i = 0; i < bucket_ids.size(); ++i)
    bucket_index_.emplace(bucket_ids[i], static_cast<std::int32_t>(words.size() + i));
  label_index_.clear();
  for (std::size_t i = 0; i < labels.size(); ++i) label_index_.emplace(labels[i], static_cast<std::int32_t>(i));
}

std::int32_t LinearModel::word_id(std::string_view word) const {
  auto it = word_index_.find(std::string(word));
  return it == word_index_.end() ? -1 : it->second;
}

std::int32_t LinearModel::label_id(std::string_view label) const {
  auto it = label_index_.find(std::string(label));
  return it == label_index_.end() ? -1 : it->second;
}

std::int32_t LinearModel::bucket_row(std::uint32_t bucket) const {
  auto it = bucket_index_.find(bucket);
  return it == bucket_index_.end() ? -1 : it->second;
}

std::int32_t LinearModel::bucket_row(std::uint32_t bucket, bool grow) {
  if (!grow) return static_cast<const LinearModel*>(this)->bucket_row(bucket);
  auto [it, added] = bucket_index_.emplace(bucket, static_cast<std::int32_t>(rows()));
  if (added) {
    bucket_ids.push_back(bucket);
    input.resize(input.size() + dim(), 0.0f);  // n-gram rows start at zero (see the header)
  }
  return it->second;
}

void LinearModel::features(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out, bool grow) {
  features_impl(tokens, out, grow);
}

void LinearModel::features(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out) const {
  // The read-only path never grows, so the cast is safe.
  const_cast<LinearModel*>(this)->features_impl(tokens, out, false);
}

void LinearModel::features_impl(const std::vector<std::string>& tokens, std::vector<FeatureSpan>& out, bool grow) {
  out.clear();
  const auto n = static_cast<std::int32_t>(tokens.size());
  std::vector<std::uint32_t> hashes(tokens.size() + 1);
  const auto buckets = std::max<std::uint32_t>(1, options.buckets);
  const bool chars = options.char_ngram_max > 0;
  std::string padded;
  for (std::int32_t i = 0; i <= n; ++i) {
    const std::string_view w = i < n ? std::string_view(tokens[static_cast<std::size_t>(i)]) : std::string_view(kEos);
    hashes[static_cast<std::size_t>(i)] = fasttext_hash(w);
    const std::int32_t id = word_id(w);
    if (id >= 0) out.push_back({id, i, i});
    if (chars && i < n) {
      // fastText's computeSubwords: n-grams of code points of "<word>", no lone "<" or ">".
      padded.assign("<").append(w).append(">");
      for (std::size_t s = 0; s < padded.size(); ++s) {
        if (is_utf8_continuation(padded[s])) continue;
        std::string ngram;
        for (std::size_t j = s, len = 1; j < padded.size() && len <= static_cast<std::size_t>(options.char_ngram_max); ++len) {
          ngram.push_back(padded[j++]);
          while (j < padded.size() && is_utf8_continuation(padded[j])) ngram.push_back(padded[j++]);
          if (len >= static_cast<std::size_t>(std::max(1, options.char_ngram_min)) &&
              !(len == 1 && (s == 0 || j == padded.size()))) {
            const auto r = bucket_row(fasttext_hash(ngram) % buckets, grow);
            out.push_back({r, i, i});
          }
        }
      }
    }
  }
  for (std::int32_t i = 0; i <= n; ++i) {
    std::uint64_t h = hashes[static_cast<std::size_t>(i)];
    for (std::int32_t j = i + 1; j <= n && j < i + options.word_ngrams; ++j) {
      h = h * kNgramMultiplier + hashes[static_cast<std::size_t>(j)];
      out.push_back({bucket_row(static_cast<std::uint32_t>(h % buckets), grow), i, j});
    }
  }
}

void LinearModel::predict(const std::vector<FeatureSpan>& features, std::vector<float>& probs) const {
  const std::size_t d = dim(), k = labels.size();
  std::vector<float> hidden(d, 0.0f);
  for (const auto& f : features) {
    if (f.row < 0) continue;
    const float* row = input.data() + static_cast<std::size_t>(f.row) * d;
    for (std::size_t j = 0; j < d; ++j) hidden[j] += row[j];
  }
  const float scale = features.empty() ? 0.0f : 1.0f / static_cast<float>(features.size());
  probs.assign(k, 0.0f);
  float max_logit = -1e30f;
  for (std::size_t c = 0; c < k; ++c) {
    const float* w = output.data() + c * d;
    float s = 0;
    for (std::size_t j = 0; j < d; ++j) s += w[j] * hidden[j];
    probs[c] = s * scale;
    max_logit = std::max(max_logit, probs[c]);
  }
  float z = 0;
  for (auto& p : probs) z += (p = std::exp(p - max_logit));
  for (auto& p : probs) p /= z;
}

void LinearModel::contributions(const std::vector<FeatureSpan>& features, std::vector<float>& out) const {
  const std::size_t d = dim(), k = labels.size();
  out.assign(features.size() * k, 0.0f);
  const float scale = features.empty() ? 0.0f : 1.0f / static_cast<float>(features.size());
  for (std::size_t f = 0; f < features.size(); ++f) {
    if (features[f].row < 0) continue;
    const float* row = input.data() + static_cast<std::size_t>(features[f].row) * d;
    for (std::size_t c = 0; c < k; ++c) {
      const float* w = output.data() + c * d;
      float s = 0;
      for (std::size_t j = 0; j < d; ++j) s += w[j] * row[j];
      out[f * k + c] = s * scale;
    }
  }
}

void LinearModel::save(const std::filesystem::path& dir) const {
  write_directory_atomically(dir, [&](const std::filesystem::path& staging) {
    nlohmann::json config = {
        {"format", kFormat},
        {"version", kVersion},
        {"task", "classify"},
        {"backend", "linear"},
        {"labels", labels},
        {"dim", options.dim},
        {"word_ngrams", options.word_ngrams},
        {"char_ngram_min", options.char_ngram_min},
        {"char_ngram_max", options.char_ngram_max},
        {"buckets", options.buckets},
        {"min_count", options.min_count},
        {"tokenizer", tokenizer_kind_name(options.tokenizer.kind)},
        {"lowercase", options.tokenizer.lowercase},
        {"vocab_size", words.size()},
        {"ngram_rows", bucket_ids.size()},
        {"training", training_info},
    };
    write_file_atomic(staging / "config.json", config.dump(2) + "\n");
    std::string vocab;
    for (const auto& w : words) vocab.append(w).push_back('\n');
    write_file_atomic(staging / "vocab.txt", vocab);
    safetensors::write(staging / "model.safetensors",
                       {{"input", "F32", {static_cast<std::int64_t>(rows()), options.dim}, input.data()},
                        {"output", "F32", {static_cast<std::int64_t>(labels.size()), options.dim}, output.data()},
                        {"bucket_ids", "I32", {static_cast<std::int64_t>(bucket_ids.size())}, bucket_ids.data()}},
                       {{"format", "lmforge-linear-classifier"}});
  });
}

std::string classifier_backend(const std::filesystem::path& dir) {
  const auto path = dir / "config.json";
  if (!std::filesystem::is_directory(dir)) runtime_error("{}: no such model directory", dir.string());
  if (!std::filesystem::exists(path))
    runtime_error("{}: not a model directory (no config.json); train one with `lmforge classify train`", dir.string());
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed JSON: {}", path.string(), e.what());
  }
  const std::string task = config.value("task", std::string());
  if (config.value("format", std::string()) != kFormat || task != "classify")
    runtime_error("{}: holds a {} model, not a classifier (train one with `lmforge classify train`)", dir.string(),
                  task.empty() ? config.value("model_type", config.value("architecture", std::string("different")))
                               : task);
  return config.value("backend", std::string());
}

LinearModel LinearModel::load(const std::filesystem::path& dir) {
  const std::string backend = classifier_backend(dir);
  if (backend != "linear") runtime_error("{}: a '{}' classifier, expected the linear backend", dir.string(), backend);
  const auto config_path = dir / "config.json";
  const auto config = nlohmann::json::parse(read_file(config_path));
  if (config.value("version", 0) > kVersion)
    runtime_error("{}: version {} is newer than this lmforge reads ({})", config_path.string(), config.value("version", 0), kVersion);
  LinearModel m;
  try {
    m.labels = config.at("labels").get<std::vector<std::string>>();
    m.options.dim = config.at("dim").get<int>();
    m.options.word_ngrams = config.at("word_ngrams").get<int>();
    m.options.char_ngram_min = config.at("char_ngram_min").get<int>();
    m.options.char_ngram_max = config.at("char_ngram_max").get<int>();
    m.options.buckets = config.at("buckets").get<std::uint32_t>();
    m.options.min_count = config.value("min_count", 1);
    m.options.tokenizer.kind = parse_tokenizer_kind(config.at("tokenizer").get<std::string>());
    m.options.tokenizer.lowercase = config.at("lowercase").get<bool>();
    m.training_info = config.value("training", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: missing or bad key: {}", config_path.string(), e.what());
  }
  LineReader vocab((dir / "vocab.txt").string());
  for (std::string w; vocab.next(w);) m.words.push_back(w);
  const auto tensor_path = dir / "model.safetensors";
  safetensors::Reader tensors(tensor_path);
  const auto& in = tensors.require("input", "F32");
  const auto& outw = tensors.require("output", "F32");
  const auto& ids = tensors.require("bucket_ids", "I32");
  m.bucket_ids.resize(ids.numel());
  tensors.read(ids, m.bucket_ids.data());
  const std::size_t d = static_cast<std::size_t>(m.options.dim);
  if (in.shape.size() != 2 || static_cast<std::size_t>(in.shape[0]) != m.rows() || static_cast<std::size_t>(in.shape[1]) != d)
    runtime_error("{}: 'input' shape does not match vocab.txt ({} words) + {} n-gram rows x dim {}", tensor_path.string(),
                  m.words.size(), m.bucket_ids.size(), d);
  if (outw.shape.size() != 2 || static_cast<std::size_t>(outw.shape[0]) != m.labels.size() ||
      static_cast<std::size_t>(outw.shape[1]) != d)
    runtime_error("{}: 'output' shape does not match {} labels x dim {}", tensor_path.string(), m.labels.size(), d);
  m.input.resize(in.numel());
  tensors.read(in, m.input.data());
  m.output.resize(outw.numel());
  tensors.read(outw, m.output.data());
  m.build_index();
  return m;
}

}  // namespace lmforge::classify
