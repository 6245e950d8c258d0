#include "lmforge/serve/products.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "lmforge/analyze/analysis.h"
#include "lmforge/analyze/report.h"
#include "lmforge/classify/dataset.h"
#include "lmforge/classify/explain.h"
#include "lmforge/classify/linear_model.h"
#include "lmforge/classify/text_tokens.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/embed/vectors.h"
#include "lmforge/faq/faq_index.h"
#include "lmforge/faq/sentence_encoder.h"
#include "lmforge/moderate/linear_scorer.h"
#include "lmforge/moderate/moderator.h"
#include "lmforge/serve/openai_api.h"
#include "lmforge/text/stopwords.h"

namespace lmforge::serve {

using nlohmann::json;

struct ProductService::Impl {
  ProductOptions options;
  std::optional<classify::LinearModel> classifier;
  std::unique_ptr<classify::TextTokenizer> classifier_tokenizer;
  std::string classifier_name;
  std::unique_ptr<moderate::Moderator> moderator;  // not thread-safe: moderator_mutex
  std::mutex moderator_mutex;
  std::optional<faq::FaqIndex> faq_index;          // not thread-safe: faq_mutex
  std::mutex faq_mutex;
  std::unique_ptr<faq::SentenceEncoder> encoder;   // const use: thread-safe
  std::optional<faq::TextEncoder> sentence_encoder;  // /v1/embeddings from a sentence encoder: sentence_encoder_mutex
  std::mutex sentence_encoder_mutex;
  std::optional<embed::WordVectors> analyze_vectors;
  classify::TextTokenizer words{classify::TextTokenizerOptions{}};
  std::optional<text::Stopwords> stopwords;
  std::mutex analyze_mutex;  // one analysis at a time (CPU-heavy); a second gets 429
};

namespace {

[[noreturn]] void not_loaded(const std::string& what, const std::string& flag) {
  throw ApiError(404, "invalid_request_error", "not_configured",
                 fmt::format("this server has no {}: start `lmforge serve` with {}", what, flag));
}

void check_keys(const json& body, std::initializer_list<const char*> allowed) {
  if (!body.is_object()) bad_request("", "invalid_type", "the request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (const char* a : allowed) known |= key == a;
    if (!known) bad_request(key, "unknown_parameter", fmt::format("Unrecognized request argument supplied: {}", key));
  }
}

std::string checked_text(const json& v, const std::string& param) {
  if (!v.is_string()) bad_request(param, "invalid_type", fmt::format("'{}' must hold strings", param));
  auto s = v.get<std::string>();
  if (!utf8::is_valid(s)) bad_request(param, "invalid_value", fmt::format("'{}' is not valid UTF-8", param));
  return s;
}

// {"text": "..."} or {"texts": [...]} (one of them).
std::vector<std::string> texts_of(const json& body, std::size_t max_batch) {
  const bool one = body.contains("text"), many = body.contains("texts");
  if (one == many) bad_request("text", "invalid_value", "give either 'text' (a string) or 'texts' (an array of strings)");
  if (one) return {checked_text(body["text"], "text")};
  if (!body["texts"].is_array() || body["texts"].empty())
    bad_request("texts", "invalid_type", "'texts' must be a non-empty array of strings");
  if (body["texts"].size() > max_batch)
    bad_request("texts", "invalid_value", fmt::format("at most {} texts per request", max_batch));
  std::vector<std::string> out;
  for (const auto& t : body["texts"]) out.push_back(checked_text(t, "texts"));
  return out;
}

bool flag(const json& body, const char* key, bool fallback) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  if (!body[key].is_boolean()) bad_request(key, "invalid_type", fmt::format("'{}' must be true or false", key));
  return body[key].get<bool>();
}

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

ProductService::ProductService(const ProductOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.options = options;
  if (!options.classifier_dir.empty()) {
    const auto backend = classify::classifier_backend(options.classifier_dir);
    if (backend != "linear")
      usage_error("--classifier {}: serve loads linear classifiers; this one is {}", options.classifier_dir, backend);
    m.classifier.emplace(classify::LinearModel::load(options.classifier_dir));
    m.classifier_tokenizer = std::make_unique<classify::TextTokenizer>(m.classifier->options.tokenizer);
    m.classifier_name = std::filesystem::path(options.classifier_dir).lexically_normal().filename().string();
    if (m.classifier_name.empty()) m.classifier_name = options.classifier_dir;
  }
  if (!options.policy_path.empty())
    m.moderator = std::make_unique<moderate::Moderator>(moderate::load_policy(options.policy_path),
                                                        moderate::linear_scorer_loader());
  if (!options.faq_dir.empty()) {
    faq::TextEncoderOpener open;
    if (options.open_faq_encoder)
      open = [opener = options.open_faq_encoder, replacement = options.faq_encoder_dir](const std::string& recorded) {
        return opener(replacement.empty() ? recorded : replacement);
      };
    m.faq_index.emplace(faq::FaqIndex::load(options.faq_dir, open));
  }
  if (options.embeddings_encoder.encode) m.sentence_encoder = options.embeddings_encoder;
  if (!options.vectors_path.empty()) {
    auto vectors = embed::read_vectors(options.vectors_path);
    m.analyze_vectors = vectors;
    faq::SentenceEncoderOptions o;
    o.weighting = faq::SentenceWeighting::kAverage;
    o.remove_component = false;
    m.encoder = std::make_unique<faq::SentenceEncoder>(std::move(vectors), std::unordered_map<std::string, double>{}, o);
  }
}

ProductService::~ProductService() = default;

json ProductService::capabilities() const {
  const auto& m = *impl_;
  return {{"classify", m.classifier.has_value()}, {"moderate", m.moderator != nullptr},
          {"faq", m.faq_index.has_value()},       {"embeddings", m.encoder != nullptr || m.sentence_encoder},
          {"analyze", true},
          {"embedding_model", m.options.embedding_model},
          {"classifier_labels", m.classifier ? json(m.classifier->labels) : json::array()}};
}

json ProductService::classify(const json& body) {
  auto& m = *impl_;
  if (!m.classifier) not_loaded("classifier", "--classifier DIR");
  check_keys(body, {"text", "texts", "explain", "model"});
  const auto texts = texts_of(body, m.options.max_batch);
  const bool explain = flag(body, "explain", false);
  json results = json::array();
  for (const auto& t : texts) {
    const auto e = classify::explain_linear(*m.classifier, *m.classifier_tokenizer, t);
    json probs = json::object();
    for (const auto& [label, p] : e.probabilities) probs[label] = p;
    json r{{"label", e.label}, {"probability", e.probability}, {"probabilities", probs}};
    if (explain) {
      json tokens = json::array();
      for (const auto& ts : e.tokens) tokens.push_back({{"token", ts.token}, {"score", ts.score}});
      r["tokens"] = tokens;
      r["bias"] = e.bias;
    }
    results.push_back(std::move(r));
  }
  return {{"model", m.classifier_name}, {"results", results}};
}

json ProductService::moderate(const json& body) {
  auto& m = *impl_;
  if (!m.moderator) not_loaded("moderation policy", "--policy FILE");
  check_keys(body, {"text", "texts"});
  const auto texts = texts_of(body, m.options.max_batch);
  json results = json::array();
  std::lock_guard lock(m.moderator_mutex);
  for (const auto& t : texts) results.push_back(json::parse(moderate::to_json(m.moderator->moderate(t)).dump()));
  return {{"policy", m.moderator->policy().name}, {"results", results}};
}

json ProductService::faq(const json& body) {
  auto& m = *impl_;
  if (!m.faq_index) not_loaded("FAQ index", "--faq DIR");
  check_keys(body, {"question", "top"});
  if (!body.contains("question")) bad_request("question", "missing_required_parameter", "'question' is required");
  const std::string question = checked_text(body["question"], "question");
  faq::AskOptions ask;
  if (body.contains("top")) {
    if (!body["top"].is_number_integer() || body["top"].get<std::int64_t>() < 1 || body["top"].get<std::int64_t>() > 20)
      bad_request("top", "invalid_value", "'top' must be an integer in [1, 20]");
    ask.top = body["top"].get<std::size_t>();
  }
  std::lock_guard lock(m.faq_mutex);
  auto& index = *m.faq_index;
  const auto reply = index.ask(question, ask);
  const auto& kb = index.kb();
  const bool fallback = reply.fallback || reply.hits.empty();
  json out{{"question", question},
           {"reply", fallback ? index.options().fallback : kb.answers[reply.hits[0].answer]},
           {"fallback", fallback},
           {"confidence", reply.confidence},
           {"calibrated", reply.calibrated},
           {"threshold", index.options().threshold},
           {"answers", json::array()}};
  for (const auto& h : reply.hits)
    out["answers"].push_back(
        {{"answer", kb.answers[h.answer]}, {"score", h.score}, {"matched_question", kb.entries[h.entry].question}});
  return out;
}

json ProductService::analyze(const json& body) {
  auto& m = *impl_;
  check_keys(body, {"texts", "labels", "dates", "lang", "topics", "use_classifier", "title", "report"});
  if (!body.contains("texts") || !body["texts"].is_array() || body["texts"].empty())
    bad_request("texts", "invalid_type", "'texts' must be a non-empty array of strings");
  if (body["texts"].size() > m.options.max_analyze_texts)
    bad_request("texts", "invalid_value", fmt::format("at most {} texts per analysis", m.options.max_analyze_texts));
  std::unique_lock lock(m.analyze_mutex, std::try_to_lock);
  if (!lock.owns_lock())
    throw ApiError(429, "rate_limit_error", "busy", "another analysis is running; retry in a few seconds");

  analyze::AnalysisInput in;
  std::vector<std::string> labels;
  const std::size_t n = body["texts"].size();
  auto column = [&](const char* key) {
    std::vector<std::string> values;
    if (!body.contains(key) || body[key].is_null()) return values;
    if (!body[key].is_array() || body[key].size() != n)
      bad_request(key, "invalid_value", fmt::format("'{}' must be an array with one string per text", key));
    for (const auto& v : body[key]) values.push_back(v.is_null() ? "" : checked_text(v, key));
    return values;
  };
  labels = column("labels");
  auto dates = column("dates");
  for (std::size_t i = 0; i < n; ++i) {
    auto t = checked_text(body["texts"][i], "texts");
    if (t.find_first_not_of(" \t\r\n") == std::string::npos) continue;  // as `lmforge analyze` does
    in.texts.push_back(std::move(t));
    if (!labels.empty()) labels[in.texts.size() - 1] = labels[i];
    if (!dates.empty()) in.dates.push_back(dates[i]);
  }
  if (in.texts.empty()) bad_request("texts", "invalid_value", "every text is empty");
  if (!labels.empty()) labels.resize(in.texts.size());
  classify::tokenize_all(m.words, in.texts, in.tokens, 1);

  const std::string lang = body.value("lang", std::string("auto"));
  if (lang != "auto" && lang != "en" && lang != "zh") bad_request("lang", "invalid_value", "'lang' is auto, en or zh");
  const auto language = analyze::choose_language(lang, in.texts);
  const bool zh = language == analyze::ReportLanguage::kChinese;
  if (flag(body, "use_classifier", false)) {
    if (!m.classifier) not_loaded("classifier", "--classifier DIR");
    if (!labels.empty()) bad_request("use_classifier", "invalid_value", "give 'labels' or 'use_classifier', not both");
    std::vector<std::string> tokens;
    for (const auto& t : in.texts) {
      m.classifier_tokenizer->tokens(t, tokens);
      std::vector<classify::FeatureSpan> features;
      std::vector<float> probs;
      m.classifier->features(tokens, features);
      m.classifier->predict(features, probs);
      in.group_of.push_back(static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin()));
    }
    in.groups = m.classifier->labels;
    in.group_source = (zh ? "分类器 " : "classifier ") + m.classifier_name;
  } else if (!labels.empty()) {
    std::set<std::string> distinct;
    for (const auto& l : labels)
      if (!l.empty()) distinct.insert(l);
    if (distinct.size() > 50) bad_request("labels", "invalid_value", "at most 50 distinct labels");
    in.groups.assign(distinct.begin(), distinct.end());
    for (const auto& l : labels)
      in.group_of.push_back(
          l.empty() ? -1 : static_cast<int>(std::lower_bound(in.groups.begin(), in.groups.end(), l) - in.groups.begin()));
    in.group_source = zh ? "标签" : "labels";
  }
  if (m.analyze_vectors) {
    in.vectors = &*m.analyze_vectors;
    in.vectors_name = std::filesystem::path(m.options.vectors_path).filename().string();
  }
  if (!m.stopwords) m.stopwords.emplace(text::load_stopwords({"zh", "en"}));
  analyze::AnalysisOptions options;
  if (body.contains("topics")) {
    if (!body["topics"].is_number_integer() || body["topics"].get<std::int64_t>() < 0 ||
        body["topics"].get<std::int64_t>() > 20)
      bad_request("topics", "invalid_value", "'topics' must be an integer in [0, 20]");
    options.topics = body["topics"].get<std::size_t>();
  }
  options.topics = std::min(options.topics, in.texts.size() / 2);
  const auto result = analyze::run_analysis(in, *m.stopwords, options);
  json out{{"analysis", analyze::to_json(result, in)}};
  if (flag(body, "report", true)) {
    analyze::ReportOptions ro;
    ro.title = body.value("title", std::string());
    ro.source = zh ? "上传的文本" : "uploaded texts";
    ro.language = language;
    out["html"] = analyze::render_report(result, in, ro);
  }
  return out;
}

json ProductService::embeddings(const json& body) {
  auto& m = *impl_;
  if (!m.encoder && !m.sentence_encoder) not_loaded("word vectors or sentence encoder", "--vectors FILE or --encoder DIR");
  check_keys(body, {"input", "model", "encoding_format", "dimensions", "user"});
  // Another model's name is a 404 as in OpenAI's API: the client meant a model not served here.
  if (body.contains("model") && body["model"].is_string() && body["model"] != m.options.embedding_model)
    throw ApiError(404, "invalid_request_error", "model_not_found",
                   fmt::format("The model '{}' does not exist (embeddings here come from '{}')",
                               body["model"].get<std::string>(), m.options.embedding_model),
                   "model");
  if (!body.contains("input")) bad_request("input", "missing_required_parameter", "'input' is required");
  std::vector<std::string> inputs;
  const auto& input = body["input"];
  if (input.is_string()) {
    inputs.push_back(checked_text(input, "input"));
  } else if (input.is_array() && !input.empty() && input[0].is_string()) {
    if (input.size() > m.options.max_batch)
      bad_request("input", "invalid_value", fmt::format("at most {} inputs per request", m.options.max_batch));
    for (const auto& t : input) inputs.push_back(checked_text(t, "input"));
  } else {
    bad_request("input", "invalid_type",
                "'input' must be a string or an array of strings (token-id input is not supported: the server embeds text)");
  }
  const std::size_t dim = m.sentence_encoder ? m.sentence_encoder->dim : m.encoder->dim();
  const std::string format = body.value("encoding_format", std::string("float"));
  if (format != "float" && format != "base64") bad_request("encoding_format", "invalid_value", "float or base64");
  if (body.contains("dimensions") && !body["dimensions"].is_null() && body["dimensions"] != dim)
    bad_request("dimensions", "invalid_value", fmt::format("these vectors have {} dimensions", dim));
  std::vector<float> encoded;  // inputs x dim, from the sentence encoder (one batch)
  if (m.sentence_encoder) {
    std::lock_guard lock(m.sentence_encoder_mutex);
    encoded = m.sentence_encoder->encode(inputs);
  }
  json data = json::array();
  std::int64_t words = 0;
  std::vector<std::string> tokens;
  std::vector<float> vector;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    m.words.tokens(inputs[i], tokens);
    words += static_cast<std::int64_t>(tokens.size());
    if (m.sentence_encoder) vector.assign(encoded.begin() + static_cast<std::ptrdiff_t>(i * dim),
                                          encoded.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
    else m.encoder->encode(tokens, vector);
    json item{{"object", "embedding"}, {"index", i}};
    if (format == "base64") item["embedding"] = base64(std::string(reinterpret_cast<const char*>(vector.data()),
                                                                   vector.size() * sizeof(float)));
    else item["embedding"] = vector;
    data.push_back(std::move(item));
  }
  return {{"object", "list"}, {"data", data}, {"model", m.options.embedding_model},
          {"usage", {{"prompt_tokens", words}, {"total_tokens", words}}}};
}

}  // namespace lmforge::serve
