#include "lmforge/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/distributed/process_group.h"
#include "lmforge/distributed/synchronize.h"
#include "lmforge/nn/threads.h"
#include "lmforge/nn/weights.h"
#include "lmforge/train/checkpoint.h"
#include "lmforge/train/data_shard.h"
#include "lmforge/train/optimizer.h"
#include "lmforge/train/task.h"

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

// Parameters then buffers: what ranks must agree on.
std::vector<torch::Tensor> model_state(torch::nn::Module& model) {
  auto tensors = model.parameters();
  for (const auto& b : model.buffers()) tensors.push_back(b);
  return tensors;
}

}  // namespace

TrainResult run_training(const TrainConfig& config, const TrainRunOptions& options) {
  const auto& t = config.train;
  const auto& dist = options.distributed;
  const bool distributed = distributed::is_distributed(dist), federated = dist.federated;
  const bool writer = dist.rank == 0;  // rank 0 alone writes the run directory
  auto log = [&](const std::string& line) {
    if (options.log && writer) options.log(line);
  };
  const torch::Device device = parse_device(t.device);
  if (federated && dist.local_steps < 1) usage_error("--local-steps {}: expected at least 1", dist.local_steps);
  if (federated && !(dist.fraction > 0 && dist.fraction <= 1)) usage_error("--fraction {}: expected (0, 1]", dist.fraction);
  // Checked before the rendezvous, so a bad batch size fails at once on every rank.
  if (!federated) DataShard::of(t.batch_size, dist.rank, dist.world_size);
  const int threads = nn::configure_threads({.torch_threads = options.threads, .blas_threads = 1});

  const fs::path out_dir = t.out_dir, model_dir = out_dir / "model", best_dir = out_dir / "best",
                 metrics_path = out_dir / "metrics.jsonl";
  // A run killed while saving leaves the previous checkpoint whole, possibly under its .old name.
  if (writer)
    for (const auto& dir : {model_dir, best_dir})
      for (const auto& action : recover_directory(dir)) log(action);
  if (!options.resume && fs::exists(model_dir / "model.safetensors"))
    usage_error("{} holds a checkpoint: pass --resume to continue it, or choose another train.out_dir",
                model_dir.string());
  if (options.resume && !fs::exists(model_dir / "model.safetensors"))
    usage_error("--resume: no checkpoint in {}", model_dir.string());

  std::unique_ptr<distributed::ProcessGroup> group;
  if (distributed) {
    group = distributed::ProcessGroup::connect(dist, device);
    log(fmt::format("{} over {} processes (c10d, rendezvous {}:{})", federated ? "federated averaging" : "data-parallel",
                    dist.world_size, dist.master_addr, dist.master_port));
  }
  // Federated participants draw their own batches (seed + rank); rank 0's initial weights are
  // broadcast below, so every participant starts from the same model either way.
  torch::manual_seed(t.seed + (federated ? static_cast<std::uint64_t>(dist.rank) : 0));
  TrainConfig task_config = config;
  if (federated) task_config.train.seed += static_cast<std::uint64_t>(dist.rank);
  const TaskLog task_log = writer ? options.log : TaskLog{};
  auto task = options.make_task ? options.make_task(task_config, device, task_log)
                                : make_training_task(task_config, device, task_log);
  if (!federated && dist.world_size > 1) task->set_data_shard(dist.rank, dist.world_size);
  const double local_examples = static_cast<double>(task->train_examples());
  auto& model = task->model();
  auto optimizer = make_adamw(model, config.optimizer);
  const nlohmann::json model_json = task->model_config();
  TrainingState state;
  if (options.resume) {
    const auto saved = read_model_config(model_dir);
    if (saved != model_json)
      usage_error("--resume: {} describes another model ({}) than the config ({}): a checkpoint resumes only "
                  "with the architecture it was trained with",
                  (model_dir / "config.json").string(), saved.dump(), model_json.dump());
    state = load_checkpoint(model_dir, model, *optimizer, &device);
    log(fmt::format("resumed from {} at step {}", model_dir.string(), state.step));
  }
  if (group) distributed::broadcast_from_rank0(*group, model_state(model));
  const std::int64_t start_step = state.step;
  const std::int64_t parameters = nn::parameter_count(model);
  log(fmt::format("{}; {} on {} ({} threads)", task->description(), config.model.value("model_type", "gpt"),
                  device.str(), threads));
  if (!task->can_evaluate() && (t.keep_best || t.patience > 0))
    log("no validation data: no best checkpoint and no early stopping");

  std::ofstream metrics;
  if (writer) {
    fs::create_directories(out_dir);
    write_file_atomic(out_dir / "train_config.json", config.source.dump(2) + "\n");
    if (options.resume) truncate_metrics(metrics_path, start_step);
    else write_file_atomic(metrics_path, "");
    metrics.open(metrics_path, std::ios::app);
    if (!metrics) runtime_error("{}: cannot open for writing", metrics_path.string());
  }
  auto record = [&](const nlohmann::json& json) {
    if (writer) metrics << json.dump() << "\n" << std::flush;
  };
  auto comm_seconds = [&] { return group ? group->communication_seconds() : 0.0; };
  double window_comm = 0;

  TrainResult result;
  result.parameters = parameters;
  const std::int64_t checkpoint_every = t.checkpoint_every > 0 ? t.checkpoint_every : t.eval_every;
  ProgressMeter meter(options.progress, static_cast<double>(t.max_steps - start_step), "steps");
  const auto started = std::chrono::steady_clock::now();
  auto seconds_since = [](std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
  };
  auto window_start = started;
  std::uint64_t window_tokens = 0, run_tokens = 0;
  std::int64_t nonfinite_in_row = 0;
  const ModelFilesWriter write_files = [&](const fs::path& dir) { task->write_model_files(dir); };
  auto save = [&](const fs::path& dir) {
    if (writer) save_checkpoint(dir, model_json, model, *optimizer, state, write_files, &device);
  };

  // Returns false when early stopping ends the run.
  auto evaluate = [&](std::int64_t step) {
    const auto eval = task->evaluate();
    result.last_val_loss = eval.loss;
    nlohmann::json rec = {{"step", step}, {"val_loss", eval.loss}, {"val_ppl", std::exp(eval.loss)}};
    for (const auto& [key, value] : eval.metrics.items()) rec[key] = value;
    const double key = std::isnan(eval.selection_loss) ? eval.loss : eval.selection_loss;
    const bool improved = std::isfinite(key) && key < state.best_val_loss;
    if (improved) {
      state.best_val_loss = key;
      state.best_step = step;
      state.evals_without_improvement = 0;
    } else {
      ++state.evals_without_improvement;
    }
    rec["best_val_loss"] = std::isfinite(state.best_val_loss) ? nlohmann::json(state.best_val_loss) : nlohmann::json();
    record(rec);
    log(fmt::format("step {}: val loss {:.4f}, perplexity {:.2f}{}{}", step, eval.loss, std::exp(eval.loss),
                    eval.summary.empty() ? "" : ", " + eval.summary, improved ? " (best)" : ""));
    if (improved && t.keep_best) save(best_dir);
    return !(t.patience > 0 && state.evals_without_improvement >= t.patience);
  };

  // Federated: whether this participant trains in the current round (all do when fraction = 1).
  bool participating = true;
  while (state.step < t.max_steps) {
    const double lr = config.schedule.at(state.step);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    double loss_sum = 0;
    std::uint64_t step_tokens = 0;
    if (federated && state.step % dist.local_steps == 0) {
      const auto chosen = distributed::round_participants(dist.world_size, dist.fraction, t.seed,
                                                          state.step / dist.local_steps);
      participating = std::find(chosen.begin(), chosen.end(), dist.rank) != chosen.end();
    }
    for (std::int64_t micro = 0; micro < t.grad_accum && participating; ++micro) {
      auto batch = task->train_batch(static_cast<std::uint64_t>(state.step * t.grad_accum + micro));
      auto loss = batch.loss / static_cast<double>(t.grad_accum);
      loss.backward();
      loss_sum += loss.item<double>();
      step_tokens += batch.tokens;
    }
    // Data-parallel: the mean gradient of the global batch (the loss rides along for the log).
    if (group && !federated) {
      distributed::average_gradients(*group, model.parameters(), loss_sum);
      step_tokens *= static_cast<std::uint64_t>(dist.world_size);
    }
    double grad_norm = 0;
    if (t.grad_clip > 0) {
      grad_norm = torch::nn::utils::clip_grad_norm_(model.parameters(), t.grad_clip);
    } else {
      for (const auto& p : model.parameters())
        if (p.grad().defined()) grad_norm += p.grad().pow(2).sum().item<double>();
      grad_norm = std::sqrt(grad_norm);
    }
    ++state.step;
    state.tokens += step_tokens;
    window_tokens += step_tokens;
    run_tokens += step_tokens;
    if (!std::isfinite(loss_sum) || !std::isfinite(grad_norm)) {
      // The update would poison the weights: skip it (the batch still counts, so the data order
      // stays a function of the step).
      optimizer->zero_grad();
      ++nonfinite_in_row;
      record({{"step", state.step}, {"skipped", "nonfinite"}, {"loss", std::isfinite(loss_sum) ? loss_sum : -1.0},
              {"grad_norm", std::isfinite(grad_norm) ? grad_norm : -1.0}, {"lr", lr}});
      log(fmt::format("step {}: loss {} / gradient norm {}: step skipped ({} in a row)", state.step, loss_sum,
                      grad_norm, nonfinite_in_row));
      if (nonfinite_in_row >= t.max_nonfinite_steps)
        runtime_error("step {}: {} steps in a row had a NaN/inf loss or gradient; stopped (the last checkpoint "
                      "is kept; lower optimizer.lr, set train.grad_clip, or check the data)",
                      state.step, nonfinite_in_row);
    } else if (participating) {
      nonfinite_in_row = 0;
      optimizer->step();
      result.last_loss = loss_sum;
    }
    const bool last = state.step == t.max_steps;
    // Federated: a round ends every local_steps steps; the weights are averaged (FedAvg, weighted
    // by the participants' example counts), and evaluation and checkpoints happen only then.
    const bool round_end = !federated || last || state.step % dist.local_steps == 0;
    if (federated && round_end)
      distributed::weighted_average(*group, model_state(model), participating ? local_examples : 0.0);

    const double elapsed = seconds_since(started);
    const double run_rate = static_cast<double>(run_tokens) / std::max(elapsed, 1e-9);
    if (state.step % t.log_every == 0 || state.step == t.max_steps) {
      const double window_seconds = std::max(seconds_since(window_start), 1e-9);
      const double rate = static_cast<double>(window_tokens) / window_seconds;
      nlohmann::json rec = {{"step", state.step}, {"loss", loss_sum}, {"lr", lr}, {"grad_norm", grad_norm},
                            {"tokens", state.tokens}, {"tokens_per_sec", rate}, {"elapsed_s", elapsed}};
      if (group) {
        rec["world_size"] = dist.world_size;
        rec["comm_share"] = (comm_seconds() - window_comm) / window_seconds;
      }
      record(rec);
      window_start = std::chrono::steady_clock::now();
      window_tokens = 0;
      window_comm = comm_seconds();
    }
    meter.update(static_cast<double>(state.step - start_step),
                 fmt::format("loss {:.4f} lr {:.2e} {}", loss_sum, lr, human_count(run_rate, "tok") + "/s"));
    const bool eval_point = round_end && (last || (t.eval_every > 0 && state.step % t.eval_every == 0));
    bool keep_going = true;
    if (eval_point && writer && task->can_evaluate()) keep_going = evaluate(state.step);
    if (eval_point && group) {  // rank 0's early-stopping decision, for everyone
      std::vector<torch::Tensor> flag{torch::full({1}, keep_going ? 1.0 : 0.0, torch::kFloat64)};
      group->broadcast(flag, 0);
      keep_going = flag[0].item<double>() > 0.5;
    }
    if (!keep_going) {
      log(fmt::format("early stop at step {}: {} evaluations without a better val loss (best {:.4f} at step {})",
                      state.step, state.evals_without_improvement, state.best_val_loss, state.best_step));
      result.early_stopped = true;
    }
    if (round_end && (last || !keep_going || (checkpoint_every > 0 && state.step % checkpoint_every == 0)))
      save(model_dir);
    if (!keep_going) break;
  }
  meter.finish(fmt::format("loss {:.4f}", result.last_loss));
  result.steps = state.step;
  result.best_val_loss = std::isfinite(state.best_val_loss) ? state.best_val_loss : -1;
  const double elapsed = seconds_since(started);
  result.tokens_per_second = elapsed > 0 ? static_cast<double>(run_tokens) / elapsed : 0;
  result.communication_share = elapsed > 0 ? comm_seconds() / elapsed : 0;
  result.rank = dist.rank;
  return result;
}

}  // namespace lmforge::train
