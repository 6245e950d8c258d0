#include "lmforge/train/trainer.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/data/token_dataset.h"
#include "lmforge/nn/gpt.h"
#include "lmforge/nn/threads.h"
#include "lmforge/nn/weights.h"
#include "lmforge/train/checkpoint.h"
#include "lmforge/train/optimizer.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

torch::Device parse_device(const std::string& name) {
  try {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      usage_error("train.device '{}': this libtorch has no CUDA device available", name);
    return device;
  } catch (const c10::Error&) {
    usage_error("train.device: unknown device '{}' (expected cpu, cuda or cuda:N)", name);
  }
}

nn::GPTConfig model_config(const TrainConfig& config, const data::TokenDataset& train) {
  nlohmann::json json = config.model;
  const std::string type = json.value("model_type", std::string("gpt"));
  if (type != "gpt") usage_error("model.model_type '{}': the trainer builds 'gpt' models", type);
  if (json.value("vocab_size", std::int64_t{0}) == 0) json["vocab_size"] = train.vocab_size();
  auto gpt = nn::GPTConfig::from_json(json);
  if (gpt.vocab_size < train.vocab_size())
    usage_error("model.vocab_size {} is smaller than the dataset's vocabulary ({})", gpt.vocab_size, train.vocab_size());
  return gpt;
}

// Keeps the metrics records up to `step` (a resumed run rewrites what came after).
void truncate_metrics(const fs::path& path, std::int64_t step) {
  if (!fs::exists(path)) return;
  std::istringstream in(read_file(path));
  std::string kept, line;
  while (std::getline(in, line)) {
    try {
      if (nlohmann::json::parse(line).at("step").get<std::int64_t>() <= step) kept += line + "\n";
    } catch (const nlohmann::json::exception&) {
      // a line cut by a crash: dropped
    }
  }
  write_file_atomic(path, kept);
}

struct Batch {
  torch::Tensor x, y;
};

class Evaluator {
 public:
  Evaluator(const data::TokenDataset& val, std::int64_t block, std::int64_t batch, std::int64_t max_batches)
      : windows_(val, {.block_size = static_cast<std::size_t>(block), .batch_size = static_cast<std::size_t>(batch)}),
        x_(batch * block), y_(batch * block), block_(block), max_batches_(max_batches) {}

  double loss(nn::GPT& model, const torch::Device& device) {
    torch::NoGradGuard no_grad;
    model->eval();
    windows_.reset();
    double total = 0;
    std::int64_t rows_seen = 0;
    for (std::int64_t b = 0; max_batches_ == 0 || b < max_batches_; ++b) {
      const auto rows = static_cast<std::int64_t>(windows_.next(x_.data(), y_.data()));
      if (rows == 0) break;
      auto x = torch::from_blob(x_.data(), {rows, block_}, torch::kLong).to(device);
      auto y = torch::from_blob(y_.data(), {rows, block_}, torch::kLong).to(device);
      total += nn::lm_loss(model->forward(x), y).item<double>() * static_cast<double>(rows);
      rows_seen += rows;
    }
    model->train();
    return rows_seen > 0 ? total / static_cast<double>(rows_seen) : std::nan("");
  }

 private:
  data::SequentialWindows windows_;
  std::vector<std::int64_t> x_, y_;
  std::int64_t block_, max_batches_;
};

}  // namespace

TrainResult run_training(const TrainConfig& config, const TrainRunOptions& options) {
  const auto& t = config.train;
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  const torch::Device device = parse_device(t.device);
  const int threads = nn::configure_threads({.torch_threads = options.threads, .blas_threads = 1});

  auto train_data = data::TokenDataset::open(config.data_dir, data::Split::kTrain);
  const auto gpt_config = model_config(config, train_data);
  const std::int64_t block = gpt_config.block_size;
  const fs::path out_dir = t.out_dir, model_dir = out_dir / "model", metrics_path = out_dir / "metrics.jsonl";
  if (!options.resume && fs::exists(model_dir / "model.safetensors"))
    usage_error("{} holds a checkpoint: pass --resume to continue it, or choose another train.out_dir",
                model_dir.string());
  if (options.resume && !fs::exists(model_dir / "model.safetensors"))
    usage_error("--resume: no checkpoint in {}", model_dir.string());

  torch::manual_seed(t.seed);
  nn::GPT model(gpt_config);
  model->to(device);
  model->train();
  auto optimizer = make_adamw(*model, config.optimizer);
  TrainingState state;
  if (options.resume) {
    if (read_model_config(model_dir) != gpt_config.to_json())
      usage_error("--resume: the [model] config differs from {}", (model_dir / "config.json").string());
    state = load_checkpoint(model_dir, *model, *optimizer);
    log(fmt::format("resumed from {} at step {}", model_dir.string(), state.step));
  }
  const std::int64_t start_step = state.step;
  const std::int64_t parameters = nn::parameter_count(*model);
  log(fmt::format("gpt: {} parameters ({} layers, {} heads, width {}, context {}, vocab {}), {} on {} ({} threads)",
                  nn::format_parameter_count(parameters), gpt_config.n_layer, gpt_config.n_head, gpt_config.n_embd,
                  block, gpt_config.vocab_size, gpt_config.positions, device.str(), threads));

  data::RandomWindows sampler(train_data, {.block_size = static_cast<std::size_t>(block),
                                           .batch_size = static_cast<std::size_t>(t.batch_size),
                                           .seed = t.seed});
  std::optional<data::TokenDataset> val_data;
  std::optional<Evaluator> evaluator;
  if (train_data.meta().val.tokens > static_cast<std::uint64_t>(block)) {
    val_data.emplace(data::TokenDataset::open(config.data_dir, data::Split::kValidation));
    evaluator.emplace(*val_data, block, t.batch_size, t.eval_batches);
  } else {
    log("no validation split long enough for one window: evaluation is skipped");
  }

  fs::create_directories(out_dir);
  write_file_atomic(out_dir / "train_config.json", config.source.dump(2) + "\n");
  if (options.resume) truncate_metrics(metrics_path, start_step);
  else write_file_atomic(metrics_path, "");
  std::ofstream metrics(metrics_path, std::ios::app);
  if (!metrics) runtime_error("{}: cannot open for writing", metrics_path.string());
  auto record = [&](const nlohmann::json& json) { metrics << json.dump() << "\n" << std::flush; };

  TrainResult result;
  result.parameters = parameters;
  const auto tokens_per_step = static_cast<std::uint64_t>(t.batch_size * block * t.grad_accum);
  const std::int64_t checkpoint_every = t.checkpoint_every > 0 ? t.checkpoint_every : t.eval_every;
  std::vector<std::int64_t> x(t.batch_size * block), y(t.batch_size * block);
  ProgressMeter meter(options.progress, static_cast<double>(t.max_steps - start_step), "steps");
  const auto started = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  };
  auto window_start = started;
  std::uint64_t window_tokens = 0;

  auto evaluate_and_checkpoint = [&](std::int64_t step, bool eval_now, bool checkpoint_now) {
    if (eval_now && evaluator) {
      result.last_val_loss = evaluator->loss(model, device);
      record({{"step", step}, {"val_loss", result.last_val_loss}, {"val_ppl", std::exp(result.last_val_loss)}});
      log(fmt::format("step {}: val loss {:.4f}, perplexity {:.2f}", step, result.last_val_loss,
                      std::exp(result.last_val_loss)));
    }
    if (checkpoint_now) save_checkpoint(model_dir, gpt_config.to_json(), *model, *optimizer, state);
  };

  while (state.step < t.max_steps) {
    const double lr = config.schedule.at(state.step);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    double loss_sum = 0;
    for (std::int64_t micro = 0; micro < t.grad_accum; ++micro) {
      sampler.batch(static_cast<std::uint64_t>(state.step * t.grad_accum + micro), x.data(), y.data());
      auto xb = torch::from_blob(x.data(), {t.batch_size, block}, torch::kLong).to(device, /*non_blocking=*/false, /*copy=*/true);
      auto yb = torch::from_blob(y.data(), {t.batch_size, block}, torch::kLong).to(device, false, true);
      auto loss = nn::lm_loss(model->forward(xb), yb) / static_cast<double>(t.grad_accum);
      loss.backward();
      loss_sum += loss.item<double>();
    }
    double grad_norm = 0;
    if (t.grad_clip > 0) {
      grad_norm = torch::nn::utils::clip_grad_norm_(model->parameters(), t.grad_clip);
    } else {
      for (const auto& p : model->parameters())
        if (p.grad().defined()) grad_norm += p.grad().pow(2).sum().item<double>();
      grad_norm = std::sqrt(grad_norm);
    }
    if (!std::isfinite(loss_sum)) runtime_error("step {}: the loss is {} (lower optimizer.lr?)", state.step, loss_sum);
    optimizer->step();
    ++state.step;
    state.tokens += tokens_per_step;
    window_tokens += tokens_per_step;
    result.last_loss = loss_sum;

    const double elapsed = seconds_since(started);
    const double run_rate = static_cast<double>((state.step - start_step) * tokens_per_step) / std::max(elapsed, 1e-9);
    if (state.step % t.log_every == 0 || state.step == t.max_steps) {
      const double rate = static_cast<double>(window_tokens) / std::max(seconds_since(window_start), 1e-9);
      record({{"step", state.step}, {"loss", loss_sum}, {"lr", lr}, {"grad_norm", grad_norm},
              {"tokens", state.tokens}, {"tokens_per_s", rate}, {"elapsed_s", elapsed}});
      window_start = std::chrono::steady_clock::now();
      window_tokens = 0;
    }
    meter.update(static_cast<double>(state.step - start_step),
                 fmt::format("loss {:.4f} lr {:.2e} {}", loss_sum, lr, human_count(run_rate, "tok") + "/s"));
    const bool last = state.step == t.max_steps;
    const bool eval_now = last || (t.eval_every > 0 && state.step % t.eval_every == 0);
    const bool checkpoint_now = last || (checkpoint_every > 0 && state.step % checkpoint_every == 0);
    evaluate_and_checkpoint(state.step, eval_now, checkpoint_now);
  }
  meter.finish(fmt::format("loss {:.4f}", result.last_loss));
  result.steps = state.step;
  const double elapsed = seconds_since(started);
  result.tokens_per_second =
      elapsed > 0 ? static_cast<double>((state.step - start_step) * tokens_per_step) / elapsed : 0;
  return result;
}

}  // namespace lmforge::train
