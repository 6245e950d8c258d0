#include "lmforge/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"

namespace lmforge::train {

namespace fs = std::filesystem;

void save_checkpoint(const fs::path& model_dir, const nlohmann::json& model_config, const torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const TrainingState& state) {
  const fs::path staging = make_staging_dir(model_dir);
  try {
    write_file_atomic(staging / "config.json", model_config.dump(2) + "\n");
    nn::SafetensorsFile weights;
    for (const auto& [name, tensor] : nn::module_weights(model)) weights.tensors[name] = tensor.to(torch::kFloat32);
    weights.metadata["format"] = "pt";
    nn::write_safetensors(staging / "model.safetensors", weights);

    fs::create_directories(staging / "training_state");
    torch::save(optimizer, (staging / "training_state" / "optimizer.pt").string());
    nn::SafetensorsFile rng;
    {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      rng.tensors["torch_cpu"] = generator.get_state();
    }
    nn::write_safetensors(staging / "training_state" / "rng.safetensors", rng);
    const nlohmann::json json = {{"step", state.step}, {"tokens", state.tokens}};
    write_file_atomic(staging / "training_state" / "state.json", json.dump(2) + "\n");
    replace_directory(staging, model_dir);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
}

nlohmann::json read_model_config(const fs::path& model_dir) {
  const auto path = model_dir / "config.json";
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed JSON: {}", path.string(), e.what());
  }
}

TrainingState load_checkpoint(const fs::path& model_dir, torch::nn::Module& model, torch::optim::Optimizer& optimizer) {
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
  auto rng = nn::read_safetensors(state_dir / "rng.safetensors");
  if (!rng.tensors.count("torch_cpu")) runtime_error("{}: no torch_cpu state", (state_dir / "rng.safetensors").string());
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(rng.tensors.at("torch_cpu"));
  }
  const auto state_path = state_dir / "state.json";
  TrainingState state;
  try {
    const auto json = nlohmann::json::parse(read_file(state_path));
    state.step = json.at("step").get<std::int64_t>();
    state.tokens = json.at("tokens").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: malformed: {}", state_path.string(), e.what());
  }
  return state;
}

}  // namespace lmforge::train
