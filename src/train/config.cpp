#include "lmforge/train/config.h"

#include <sstream>

#include <toml++/toml.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/train/config_section.h"

namespace lmforge::train {

namespace {

nlohmann::json toml_to_json(const toml::table& table) {
  std::stringstream text;
  text << toml::json_formatter{table};
  return nlohmann::json::parse(text.str());
}

// "a.b.c=value": the value is parsed as TOML ("3e-4", "true", "\"s\"", "[1, 2]"); a bare word
// that is not TOML ("cosine", "out/run1") is taken as a string.
void apply_override(nlohmann::json& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) usage_error("--set: expected key.path=value, got '{}'", assignment);
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  nlohmann::json parsed;
  try {
    parsed = toml_to_json(toml::parse("v = " + value))["v"];
  } catch (const toml::parse_error&) {
    parsed = value;
  }
  nlohmann::json* node = &config;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) usage_error("--set: empty name in key '{}'", key);
    if (dot == std::string::npos) {
      (*node)[part] = parsed;
      return;
    }
    node = &(*node)[part];
    if (!node->is_object()) {
      if (!node->is_null()) usage_error("--set: '{}' is not a table", key.substr(0, dot));
      *node = nlohmann::json::object();
    }
    start = dot + 1;
  }
}

}  // namespace

TrainConfig parse_train_config(const std::string& toml_text, const std::vector<std::string>& overrides,
                               const std::string& source_name) {
  nlohmann::json json;
  try {
    json = toml_to_json(toml::parse(toml_text, source_name));
  } catch (const toml::parse_error& e) {
    runtime_error("{}:{}: {}", source_name, e.source().begin.line, e.description());
  }
  for (const auto& assignment : overrides) apply_override(json, assignment);
  for (const auto& [section, value] : json.items())
    if (section != "model" && section != "data" && section != "train" && section != "optimizer" &&
        section != "schedule")
      usage_error("config: unknown section [{}] (expected model, data, train, optimizer, schedule)", section);

  TrainConfig config;
  config.source = json;
  if (json.contains("model")) {
    if (!json["model"].is_object()) usage_error("config: [model] must be a table");
    config.model = json["model"];
  }
  if (json.contains("data")) {
    if (!json["data"].is_object()) usage_error("config: [data] must be a table");
    config.data = json["data"];
    if (config.data.contains("dir") && config.data["dir"].is_string()) config.data_dir = config.data["dir"];
  }

  auto& t = config.train;
  ConfigSection train(json, "train");
  train.read("out_dir", t.out_dir);
  train.read("batch_size", t.batch_size);
  train.read("grad_accum", t.grad_accum);
  train.read("max_steps", t.max_steps);
  train.read("grad_clip", t.grad_clip);
  train.read("log_every", t.log_every);
  train.read("eval_every", t.eval_every);
  train.read("eval_batches", t.eval_batches);
  train.read("checkpoint_every", t.checkpoint_every);
  train.read("seed", t.seed);
  train.read("device", t.device);
  train.read("keep_best", t.keep_best);
  train.read("patience", t.patience);
  train.read("max_nonfinite_steps", t.max_nonfinite_steps);
  train.reject_unknown();

  auto& o = config.optimizer;
  ConfigSection optimizer(json, "optimizer");
  optimizer.read("lr", o.lr);
  optimizer.read("beta1", o.beta1);
  optimizer.read("beta2", o.beta2);
  optimizer.read("eps", o.eps);
  optimizer.read("weight_decay", o.weight_decay);
  optimizer.read("decay_norms_biases", o.decay_norms_biases);
  optimizer.read("decay_embeddings", o.decay_embeddings);
  optimizer.reject_unknown();

  auto& s = config.schedule;
  s.decay_steps = 0;
  ConfigSection schedule(json, "schedule");
  schedule.read("decay", s.decay);
  schedule.read("warmup_steps", s.warmup_steps);
  schedule.read("min_lr", s.min_lr);
  schedule.read("decay_steps", s.decay_steps);
  schedule.reject_unknown();
  s.lr = o.lr;
  if (s.decay_steps == 0) s.decay_steps = t.max_steps;

  if (t.out_dir.empty()) usage_error("config: train.out_dir must not be empty");
  if (t.batch_size < 1) usage_error("config: train.batch_size must be >= 1 (got {})", t.batch_size);
  if (t.grad_accum < 1) usage_error("config: train.grad_accum must be >= 1 (got {})", t.grad_accum);
  if (t.max_steps < 1) usage_error("config: train.max_steps must be >= 1 (got {})", t.max_steps);
  if (t.grad_clip < 0) usage_error("config: train.grad_clip must be >= 0 (got {})", t.grad_clip);
  if (t.log_every < 1) usage_error("config: train.log_every must be >= 1 (got {})", t.log_every);
  if (t.eval_every < 0 || t.eval_batches < 0 || t.checkpoint_every < 0)
    usage_error("config: train.eval_every, eval_batches and checkpoint_every must be >= 0");
  if (t.patience < 0) usage_error("config: train.patience must be >= 0 (got {})", t.patience);
  if (t.max_nonfinite_steps < 1)
    usage_error("config: train.max_nonfinite_steps must be >= 1 (got {})", t.max_nonfinite_steps);
  o.validate();
  s.validate();
  return config;
}

TrainConfig load_train_config(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  return parse_train_config(read_file(path), overrides, path.string());
}

}  // namespace lmforge::train
