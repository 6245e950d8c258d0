#include "lmforge/train/checkpoint.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

// The generator of a CUDA device: the same API as the CPU one, reached through the device-generic
// context, so this compiles against a CPU-only libtorch (and is only called on CUDA runs).
at::Generator cuda_generator(const c10::Device& device) {
  return at::globalContext().defaultGenerator(device);
}

// AdamW's moments by parameter name, for readers outside libtorch (optimizer.pt is a TorchScript
// archive keyed by tensor addresses that only libtorch can map back to parameters).
nn::SafetensorsFile optimizer_tensors(const torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
  nn::SafetensorsFile file;
  file.metadata["format"] = "lmforge-adamw";
  auto& states = optimizer.state();
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    const auto key = c10::guts::to_string(item.value().unsafeGetTensorImpl());
    auto found = states.find(key);
    if (found == states.end()) continue;  // not stepped yet (or frozen)
    const auto* adam = dynamic_cast<const torch::optim::AdamWParamState*>(found->second.get());
    if (!adam) continue;
    file.tensors[item.key() + ".exp_avg"] = adam->exp_avg().detach().to(torch::kCPU, torch::kFloat32);
    file.tensors[item.key() + ".exp_avg_sq"] = adam->exp_avg_sq().detach().to(torch::kCPU, torch::kFloat32);
    file.tensors[item.key() + ".step"] = torch::tensor({adam->step()}, torch::kLong);
  }
  return file;
}

// torch::save(optimizer, path) reports a failed write (disk full) by throwing from the archive
// writer's destructor, which ends the process in std::terminate. The bytes go instead through a
// writer callback that never fails and remembers the first error, reported here as a clean error.
void save_optimizer(torch::optim::Optimizer& optimizer, const fs::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) runtime_error("cannot write {}: {}", path.string(), std::strerror(errno));
  int error = 0;
  try {
    torch::save(optimizer, [&](const void* data, std::size_t size) -> std::size_t {
      if (error == 0 && std::fwrite(data, 1, size, file) != size) error = errno ? errno : EIO;
      return size;
    });
  } catch (...) {
    std::fclose(file);
    throw;
  }
  if (std::fclose(file) != 0 && error == 0) error = errno ? errno : EIO;
  if (error != 0)
    runtime_error("writing {} failed: {} (disk full?); the previous checkpoint is unchanged", path.string(),
                  std::strerror(error));
}

}  // namespace

void save_checkpoint(const fs::path& model_dir, const nlohmann::json& model_config, const torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const TrainingState& state,
                     const ModelFilesWriter& write_model_files, const c10::Device* device) {
  write_directory_atomically(model_dir, [&](const fs::path& staging) {
    write_file_atomic(staging / "config.json", model_config.dump(2) + "\n");
    nn::SafetensorsFile weights;
    for (const auto& [name, tensor] : nn::module_weights(model)) weights.tensors[name] = tensor.to(torch::kFloat32);
    weights.metadata["format"] = "pt";
    nn::write_safetensors(staging / "model.safetensors", weights);
    if (write_model_files) write_model_files(staging);

    fs::create_directories(staging / "training_state");
    save_optimizer(optimizer, staging / "training_state" / "optimizer.pt");
    nn::write_safetensors(staging / "training_state" / "optimizer.safetensors", optimizer_tensors(model, optimizer));
    nn::SafetensorsFile rng;
    {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      rng.tensors["torch_cpu"] = generator.get_state();
    }
    if (device && device->is_cuda()) {
      auto generator = cuda_generator(*device);
      std::lock_guard<std::mutex> lock(generator.mutex());
      rng.tensors["torch_cuda"] = generator.get_state();
    }
    nn::write_safetensors(staging / "training_state" / "rng.safetensors", rng);
    nlohmann::json json = {{"step", state.step},
                           {"tokens", state.tokens},
                           {"best_step", state.best_step},
                           {"evals_without_improvement", state.evals_without_improvement}};
    // JSON has no infinity: no best yet is a null.
    json["best_val_loss"] = std::isfinite(state.best_val_loss) ? nlohmann::json(state.best_val_loss) : nlohmann::json();
    write_file_atomic(staging / "training_state" / "state.json", json.dump(2) + "\n");
  });
}

nlohmann::json read_model_config(const fs::path& model_dir) {
  const auto path = model_dir / "config.json";
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed JSON: {}", path.string(), e.what());
  }
}

TrainingState load_checkpoint(const fs::path& model_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                              const c10::Device* device) {
  const auto weights_path = model_dir / "model.safetensors";
  nn::load_module_weights(model, nn::read_safetensors(weights_path).tensors, weights_path.string());

  const fs::path state_dir = model_dir / "training_state";
  const auto optimizer_path = state_dir / "optimizer.pt";
  if (!fs::exists(optimizer_path)) runtime_error("{}: missing (the checkpoint cannot resume)", optimizer_path.string());
  try {
    torch::load(optimizer, optimizer_path.string());
  } catch (const c10::Error& e) {
    runtime_error("{}: cannot load optimiser state: {}", optimizer_path.string(), e.what_without_backtrace());
  }
  const auto rng_path = state_dir / "rng.safetensors";
  auto rng = nn::read_safetensors(rng_path);
  if (!rng.tensors.count("torch_cpu")) runtime_error("{}: no torch_cpu state", rng_path.string());
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng.tensors.at("torch_cpu"));
  }
  if (device && device->is_cuda()) {
    if (!rng.tensors.count("torch_cuda"))
      runtime_error("{}: no torch_cuda state (the checkpoint was not trained on CUDA)", rng_path.string());
    auto generator = cuda_generator(*device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng.tensors.at("torch_cuda"));
  }
  const auto state_path = state_dir / "state.json";
  TrainingState state;
  try {
    const auto json = nlohmann::json::parse(read_file(state_path));
    state.step = json.at("step").get<std::int64_t>();
    state.tokens = json.at("tokens").get<std::uint64_t>();
    if (json.contains("best_val_loss") && json["best_val_loss"].is_number())
      state.best_val_loss = json["best_val_loss"].get<double>();
    state.best_step = json.value("best_step", std::int64_t{-1});
    state.evals_without_improvement = json.value("evals_without_improvement", std::int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed: {}", state_path.string(), e.what());
  }
  return state;
}

}  // namespace lmforge::train
