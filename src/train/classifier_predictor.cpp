#include "lmforge/train/classifier_predictor.h"

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/nn/classifier.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"

namespace lmforge::train {

namespace fs = std::filesystem;

struct ClassifierPredictor::Model {
  nn::Classifier net{nullptr};
};

namespace {

bool holds_classifier(const fs::path& dir) {
  const auto path = dir / "config.json";
  if (!fs::exists(path)) return false;
  try {
    return nlohmann::json::parse(read_file(path)).value("model_type", std::string()) == "classifier";
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

torch::Tensor to_batch(const std::vector<const std::vector<std::int64_t>*>& rows) {
  std::size_t len = 1;
  for (const auto* r : rows) len = std::max(len, r->size());
  auto out = torch::full({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(len)}, kClassifierPadId,
                         torch::kLong);
  auto a = out.accessor<std::int64_t, 2>();
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i]->size(); ++j) a[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = (*rows[i])[j];
  return out;
}

}  // namespace

fs::path ClassifierPredictor::resolve(const fs::path& dir) {
  for (const auto& candidate : {dir, dir / "best", dir / "model"})
    if (holds_classifier(candidate)) return candidate;
  runtime_error("{}: not a neural classifier model directory (no config.json with model_type \"classifier\")",
                dir.string());
}

bool ClassifierPredictor::is_neural_model(const fs::path& dir) {
  return holds_classifier(dir) || holds_classifier(dir / "best") || holds_classifier(dir / "model");
}

ClassifierPredictor::ClassifierPredictor(const fs::path& model_dir, int batch_size)
    : model_(std::make_unique<Model>()), batch_size_(std::max(1, batch_size)) {
  const fs::path dir = resolve(model_dir);
  text_ = std::make_unique<ClassifierText>(ClassifierText::load(dir));
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(dir / "config.json"));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed: {}", (dir / "config.json").string(), e.what());
  }
  model_->net = nn::Classifier(nn::ClassifierConfig::from_json(config));
  if (model_->net->config().num_labels != static_cast<std::int64_t>(text_->labels().size()))
    runtime_error("{}: {} labels, but the model has {} outputs", (dir / kClassifierDataFile).string(),
                  text_->labels().size(), model_->net->config().num_labels);
  const auto weights = dir / "model.safetensors";
  nn::load_module_weights(*model_->net, nn::read_safetensors(weights).tensors, weights.string());
  model_->net->eval();
}

ClassifierPredictor::~ClassifierPredictor() = default;

std::vector<std::vector<float>> ClassifierPredictor::predict(const std::vector<std::string>& texts) {
  torch::NoGradGuard no_grad;
  const auto& config = model_->net->config();
  std::vector<std::vector<std::int64_t>> ids(texts.size()), wide(config.wide_buckets > 0 ? texts.size() : 0);
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    text_->tokens(texts[i], tokens);
    ids[i] = text_->encode_tokens(tokens);
    if (!wide.empty()) wide[i] = wide_features(tokens, config.wide_ngrams, config.wide_buckets);
  }
  // Sorted by length so that a batch pads little.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (!ids[i].empty()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return ids[a].size() < ids[b].size(); });
  std::vector<std::vector<float>> out(texts.size());
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(batch_size_)) {
    const auto end = std::min(order.size(), start + static_cast<std::size_t>(batch_size_));
    std::vector<const std::vector<std::int64_t>*> rows, wide_rows;
    for (auto i = start; i < end; ++i) {
      rows.push_back(&ids[order[i]]);
      if (!wide.empty()) wide_rows.push_back(&wide[order[i]]);
    }
    auto probs = torch::softmax(model_->net->forward(to_batch(rows), nn::pack_wide_features(wide_rows, torch::kCPU)), 1).contiguous();
    const auto labels = probs.size(1);
    const float* p = probs.data_ptr<float>();
    for (auto i = start; i < end; ++i) {
      const auto r = static_cast<std::int64_t>(i - start);
      out[order[i]].assign(p + r * labels, p + (r + 1) * labels);
    }
  }
  return out;
}

TokenAttribution ClassifierPredictor::explain(const std::string& text, const ExplainOptions& options) {
  auto& net = *model_->net;
  const auto& config = net.config();
  TokenAttribution a;
  text_->tokens(text, a.tokens);
  // The deep part sees the first max_len tokens; a wide part sees them all.
  const auto deep_len = std::min(a.tokens.size(), static_cast<std::size_t>(text_->options().max_len));
  if (config.wide_buckets == 0) a.tokens.resize(deep_len);
  if (a.tokens.empty()) runtime_error("explain: the text has no token");
  for (const auto& t : a.tokens) a.known.push_back(text_->token_id(t) != kClassifierUnkId);
  const auto ids = text_->encode_tokens(a.tokens);
  const auto tokens = torch::tensor(ids, torch::kLong).unsqueeze(0);  // [1, S]
  // The wide part's n-grams and the tokens each covers (start, length).
  std::vector<std::int64_t> ngrams;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for_each_wide_ngram(a.tokens, config.wide_ngrams, config.wide_buckets,
                      [&](std::size_t start, std::size_t length, std::int64_t bucket) {
                        ngrams.push_back(bucket);
                        spans.emplace_back(start, length);
                      });
  torch::Tensor embedded;
  {
    torch::NoGradGuard no_grad;
    embedded = net.embed->forward(tokens);  // [1, S, C]
    auto logits = net.forward_embedded(embedded, tokens)[0];
    if (net.wide) logits = logits + net.forward_wide(nn::pack_wide_features({&ngrams}, torch::kCPU))[0];
    auto probs = torch::softmax(logits, 0);
    a.probabilities.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.size(0));
    a.label = options.label >= 0 ? options.label : logits.argmax().item<std::int64_t>();
    if (a.label >= logits.size(0)) usage_error("explain: label index {} out of range", a.label);
    a.logit = logits[a.label].item<double>();
    // The baseline is "no token": zero embeddings for the deep part, no n-gram for the wide one.
    a.baseline_logit = net.forward_embedded(torch::zeros_like(embedded), tokens)[0][a.label].item<double>();
  }
  // Deep part: gradients of the label's logit at the points alpha * x (alpha = (k - 0.5) / steps,
  // the midpoint rule), all steps in one batch; steps 0: the gradient at x itself (gradient x input).
  const int steps = std::max(0, options.steps);
  torch::Tensor alphas = steps == 0 ? torch::ones({1}) : (torch::arange(steps, torch::kFloat) + 0.5) / steps;
  auto path = (alphas.view({-1, 1, 1}) * embedded).detach().requires_grad_(true);  // [steps, S, C]
  auto logits = net.forward_embedded(path, tokens.expand({alphas.size(0), tokens.size(1)}));
  logits.select(1, a.label).sum().backward();
  auto scores = (path.grad().mean(0) * embedded[0]).sum(1);  // [S]
  a.scores.assign(a.tokens.size(), 0.0);
  for (std::int64_t i = 0; i < scores.size(0); ++i) a.scores[static_cast<std::size_t>(i)] = scores[i].item<double>();
  // Wide part: exactly linear, so each n-gram's weight for the label, shared evenly by its tokens.
  if (net.wide) {
    torch::NoGradGuard no_grad;
    const auto weights = net.wide->weight.select(1, a.label).contiguous();
    const float* w = weights.data_ptr<float>();
    for (std::size_t k = 0; k < ngrams.size(); ++k) {
      const auto [start, length] = spans[k];
      for (std::size_t j = start; j < start + length; ++j) a.scores[j] += w[ngrams[k]] / static_cast<double>(length);
    }
  }
  return a;
}

}  // namespace lmforge::train
