#include "lmforge/classify/linear_trainer.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "lmforge/classify/metrics.h"
#include "lmforge/common/error.h"

namespace lmforge::classify {

std::vector<float> parse_class_weights(const std::string& spec, const std::vector<std::string>& labels,
                                       const std::vector<std::int32_t>& train_labels) {
  std::vector<float> w(labels.size(), 1.0f);
  if (spec.empty() || spec == "none") return w;
  if (spec == "balanced") {
    std::vector<std::size_t> counts(labels.size(), 0);
    for (auto l : train_labels) ++counts[static_cast<std::size_t>(l)];
    for (std::size_t k = 0; k < labels.size(); ++k)
      w[k] = counts[k] ? static_cast<float>(static_cast<double>(train_labels.size()) /
                                            (static_cast<double>(labels.size()) * static_cast<double>(counts[k])))
                       : 1.0f;
    return w;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    const auto comma = std::min(spec.find(',', start), spec.size());
    const std::string item = spec.substr(start, comma - start);
    const auto eq = item.rfind('=');
    if (eq == std::string::npos) usage_error("--class-weights: '{}' is not label=weight", item);
    const std::string label = item.substr(0, eq);
    const auto it = std::find(labels.begin(), labels.end(), label);
    if (it == labels.end()) usage_error("--class-weights: no label '{}' in the training data", label);
    float value = 0;
    const char* b = item.data() + eq + 1;
    const auto [ptr, ec] = std::from_chars(b, item.data() + item.size(), value);
    if (ec != std::errc() || ptr != item.data() + item.size() || !(value > 0))
      usage_error("--class-weights: weight of '{}' must be a positive number", label);
    w[static_cast<std::size_t>(it - labels.begin())] = value;
    start = comma + 1;
  }
  return w;
}

namespace {

// Features of every example as contiguous row ids (CSR), for the hot loop.
struct FeatureTable {
  std::vector<std::int32_t> rows;
  std::vector<std::size_t> offsets{0};
};

void build_vocabulary(LinearModel& model, const std::vector<std::vector<std::string>>& tokens, std::mt19937_64& rng) {
  std::unordered_map<std::string, std::size_t> counts;
  for (const auto& doc : tokens)
    for (const auto& w : doc) ++counts[w];
  std::vector<std::pair<std::string, std::size_t>> kept;
  for (auto& [w, c] : counts)
    if (c >= static_cast<std::size_t>(std::max(1, model.options.min_count)) && w != LinearModel::kEos) kept.emplace_back(w, c);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  model.words.clear();
  for (auto& [w, c] : kept) model.words.push_back(w);
  model.words.push_back(LinearModel::kEos);
  model.bucket_ids.clear();
  const std::size_t d = model.dim();
  model.input.resize(model.words.size() * d);
  // Word rows start small and random, as fastText's (uniform in +-1/dim); the output starts at zero.
  std::uniform_real_distribution<float> uniform(-1.0f / static_cast<float>(d), 1.0f / static_cast<float>(d));
  for (auto& x : model.input) x = uniform(rng);
  model.build_index();
}

struct Workspace {
  std::vector<float> hidden, grad, probs;
  explicit Workspace(std::size_t d, std::size_t k) : hidden(d), grad(d), probs(k) {}
};

// One SGD step on one example (fastText's Model::update with the softmax loss); returns the loss.
float sgd_step(LinearModel& m, const std::int32_t* rows, std::size_t n, std::int32_t label, float lr, float weight,
               Workspace& ws) {
  const std::size_t d = m.dim(), k = m.labels.size();
  float* input = m.input.data();
  float* output = m.output.data();
  std::fill(ws.hidden.begin(), ws.hidden.end(), 0.0f);
  for (std::size_t f = 0; f < n; ++f) {
    const float* row = input + static_cast<std::size_t>(rows[f]) * d;
    for (std::size_t j = 0; j < d; ++j) ws.hidden[j] += row[j];
  }
  const float inv = 1.0f / static_cast<float>(n);
  for (auto& h : ws.hidden) h *= inv;
  float max_logit = -1e30f;
  for (std::size_t c = 0; c < k; ++c) {
    const float* w = output + c * d;
    float s = 0;
    for (std::size_t j = 0; j < d; ++j) s += w[j] * ws.hidden[j];
    ws.probs[c] = s;
    max_logit = std::max(max_logit, s);
  }
  float z = 0;
  for (auto& p : ws.probs) z += (p = std::exp(p - max_logit));
  for (auto& p : ws.probs) p /= z;
  const float loss = -std::log(std::max(ws.probs[static_cast<std::size_t>(label)], 1e-12f));
  std::fill(ws.grad.begin(), ws.grad.end(), 0.0f);
  for (std::size_t c = 0; c < k; ++c) {
    const float alpha = lr * weight * ((static_cast<std::int32_t>(c) == label ? 1.0f : 0.0f) - ws.probs[c]);
    float* w = output + c * d;
    for (std::size_t j = 0; j < d; ++j) {
      ws.grad[j] += alpha * w[j];
      w[j] += alpha * ws.hidden[j];
    }
  }
  for (auto& g : ws.grad) g *= inv;
  for (std::size_t f = 0; f < n; ++f) {
    float* row = input + static_cast<std::size_t>(rows[f]) * d;
    for (std::size_t j = 0; j < d; ++j) row[j] += ws.grad[j];
  }
  return loss * weight;
}

ConfusionMatrix evaluate(const LinearModel& m, const std::vector<std::vector<FeatureSpan>>& features,
                         const std::vector<std::int32_t>& labels) {
  ConfusionMatrix cm(m.labels.size());
  std::vector<float> probs;
  for (std::size_t i = 0; i < features.size(); ++i) {
    m.predict(features[i], probs);
    cm.add(static_cast<std::size_t>(labels[i]),
           static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin()));
  }
  return cm;
}

}  // namespace

LinearTrainResult train_linear(const TokenisedExamples& train, const TokenisedExamples* validation,
                               const std::vector<std::string>& labels, const LinearTrainOptions& options,
                               const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (options.model.dim < 1) usage_error("--dim must be at least 1");
  if (options.model.word_ngrams < 1) usage_error("--word-ngrams must be at least 1");
  if (options.model.char_ngram_max > 0 && options.model.char_ngram_min > options.model.char_ngram_max)
    usage_error("--char-ngram-min must not exceed --char-ngram-max");
  if (options.epochs < 1) usage_error("--epochs must be at least 1");
  if (!(options.lr > 0)) usage_error("--lr must be positive");
  if (labels.size() < 2) usage_error("a classifier needs at least two labels");
  const auto& docs = *train.tokens;
  const std::size_t n = docs.size();
  if (n == 0) runtime_error("no training examples");

  LinearTrainResult result;
  LinearModel& m = result.model;
  m.options = options.model;
  m.labels = labels;
  std::mt19937_64 rng(options.seed);
  build_vocabulary(m, docs, rng);
  FeatureTable table;
  std::vector<FeatureSpan> spans;
  for (const auto& doc : docs) {
    m.features(doc, spans, /*grow=*/true);
    for (const auto& s : spans) table.rows.push_back(s.row);
    table.offsets.push_back(table.rows.size());
  }
  m.output.assign(labels.size() * m.dim(), 0.0f);
  std::vector<std::vector<FeatureSpan>> val_features;
  if (validation) {
    val_features.resize(validation->tokens->size());
    for (std::size_t i = 0; i < val_features.size(); ++i) m.features((*validation->tokens)[i], val_features[i]);
  }
  std::vector<float> weights = options.class_weights;
  if (weights.empty()) weights.assign(labels.size(), 1.0f);

  const int workers = std::max(1, options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency()));
  const double total = static_cast<double>(n) * options.epochs;
  ProgressMeter meter(progress, total, "examples");
  std::atomic<std::size_t> done{0};
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  double best_f1 = -1;
  std::vector<float> best_input, best_output;
  int since_best = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> losses(static_cast<std::size_t>(workers), 0.0);
    const auto work = [&](int t) {
      Workspace ws(m.dim(), labels.size());
      const std::size_t begin = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(workers);
      const std::size_t end = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(workers);
      std::size_t local = 0;
      double loss = 0;
      for (std::size_t i = begin; i < end; ++i) {
        const std::size_t e = order[i];
        const float progress_fraction = static_cast<float>(static_cast<double>(done.load(std::memory_order_relaxed) + local) / total);
        const float lr = options.lr * std::max(0.0f, 1.0f - progress_fraction);
        const auto label = train.labels[e];
        loss += sgd_step(m, table.rows.data() + table.offsets[e], table.offsets[e + 1] - table.offsets[e], label, lr,
                         weights[static_cast<std::size_t>(label)], ws);
        if (++local == 256) {
          done.fetch_add(local, std::memory_order_relaxed);
          local = 0;
          if (t == 0) meter.update(static_cast<double>(done.load()), fmt::format("epoch {} lr {:.4f}", epoch, lr));
        }
      }
      done.fetch_add(local, std::memory_order_relaxed);
      losses[static_cast<std::size_t>(t)] = loss;
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < workers; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    EpochReport report;
    report.epoch = epoch;
    for (double l : losses) report.loss += l;
    report.loss /= static_cast<double>(n);
    if (validation) {
      const auto cm = evaluate(m, val_features, validation->labels);
      report.val_accuracy = cm.accuracy();
      report.val_macro_f1 = cm.macro_f1();
    }
    report.seconds = elapsed();
    result.history.push_back(report);
    meter.update(static_cast<double>(done.load()),
                 validation ? fmt::format("epoch {} loss {:.4f} val macro-F1 {:.4f}", epoch, report.loss, report.val_macro_f1)
                            : fmt::format("epoch {} loss {:.4f}", epoch, report.loss));
    if (!validation) {
      result.best_epoch = epoch;
      continue;
    }
    if (report.val_macro_f1 > best_f1) {
      best_f1 = report.val_macro_f1;
      result.best_epoch = epoch;
      since_best = 0;
      if (epoch < options.epochs) {  // the last epoch's weights are the live ones
        best_input = m.input;
        best_output = m.output;
      } else {
        best_input.clear();
      }
    } else if (options.patience > 0 && ++since_best >= options.patience) {
      break;
    }
  }
  if (validation && result.best_epoch != result.history.back().epoch && !best_input.empty()) {
    m.input = std::move(best_input);
    m.output = std::move(best_output);
  }
  result.examples = n;
  result.seconds = elapsed();
  meter.finish(fmt::format("best epoch {}", result.best_epoch));
  return result;
}

std::vector<std::int32_t> predict_all(const LinearModel& model, const std::vector<std::vector<std::string>>& tokens,
                                      int threads) {
  std::vector<std::int32_t> out(tokens.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    std::vector<FeatureSpan> spans;
    std::vector<float> probs;
    for (std::size_t i; (i = next++) < tokens.size();) {
      model.features(tokens[i], spans);
      model.predict(spans, probs);
      out[i] = static_cast<std::int32_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return out;
}

}  // namespace lmforge::classify
