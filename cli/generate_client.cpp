#include "generate_client.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/nn_module.h"
#include "nn_module_loader.h"

namespace lmforge::cli {

void GenerationFlags::add_to(CLI::App* cmd, bool seq2seq) {
  cmd->add_option("--max-new-tokens", max_new_tokens, "Generated tokens at most")->capture_default_str();
  cmd->add_option("--temperature", temperature, "Divides the logits; 0 = greedy (argmax); must be >= 0")
      ->capture_default_str();
  cmd->add_option("--top-k", top_k, "Sample among the k most likely tokens; 0 = disabled")->capture_default_str();
  cmd->add_option("--top-p", top_p, "Nucleus: the smallest set whose probability reaches p, in (0, 1]; 1 = disabled")
      ->capture_default_str();
  cmd->add_option("--min-p", min_p, "Drop tokens below min-p x the top probability, in [0, 1); 0 = disabled")
      ->capture_default_str();
  cmd->add_option("--repetition-penalty", repetition_penalty,
                  "> 1 discourages tokens already in the prompt or output (CTRL); 1 = disabled")
      ->capture_default_str();
  cmd->add_option("--presence-penalty", presence_penalty, "Subtracted once from each token already generated; 0 = disabled")
      ->capture_default_str();
  cmd->add_option("--frequency-penalty", frequency_penalty,
                  "Subtracted per occurrence of a generated token; 0 = disabled")
      ->capture_default_str();
  cmd->add_option("--stop", stop, "Stop at this string (not printed); repeatable");
  cmd->add_option("--seed", seed, "Sampling seed (same seed, same output); -1 = random")->capture_default_str();
  cmd->add_option("-n,--num-samples", n, "Samples per prompt (GPT)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--no-kv-cache", no_kv_cache, "Ignored (kept for old scripts): the engine always uses its KV cache");
  cmd->add_flag("--ignore-eos", ignore_eos,
                "Keep generating past the end-of-sequence token up to --max-new-tokens (benchmarks, as llama-bench)");
  if (seq2seq) {
    seq2seq_options_.push_back(cmd->add_option("--beam-size", beam_size, "Seq2seq: beam search width; 1 = greedy/sampling")
                                   ->capture_default_str());
    seq2seq_options_.push_back(cmd->add_option("--length-penalty", length_penalty,
                                               "Seq2seq beam ranking: score / length^penalty; 0 = raw log-probability")
                                   ->capture_default_str());
    seq2seq_options_.push_back(
        cmd->add_option("--n-best", n_best, "Seq2seq: hypotheses returned (<= beam size)")->capture_default_str());
    seq2seq_options_.push_back(cmd->add_flag(
        "--sample", sample, "Seq2seq: sample (with --temperature, --top-k, --top-p, --min-p) instead of greedy"));
    seq2seq_options_.push_back(
        cmd->add_flag("--attention", return_attention, "Seq2seq: include attention weights [out, source] in --json output"));
  }
}

nlohmann::json GenerationFlags::to_request() const {
  nlohmann::json j{{"max_new_tokens", max_new_tokens},
                   {"temperature", temperature},
                   {"top_k", top_k},
                   {"top_p", top_p},
                   {"min_p", min_p},
                   {"repetition_penalty", repetition_penalty},
                   {"presence_penalty", presence_penalty},
                   {"frequency_penalty", frequency_penalty},
                   {"seed", seed}};
  if (!stop.empty()) j["stop"] = stop;
  if (n != 1) j["n"] = n;
  if (ignore_eos) j["ignore_eos"] = true;
  bool any_seq2seq = false;
  for (auto* o : seq2seq_options_) any_seq2seq |= o->count() > 0;
  if (any_seq2seq) {
    j["beam_size"] = beam_size;
    j["length_penalty"] = length_penalty;
    j["n_best"] = n_best;
    j["return_attention"] = return_attention;
    j["sample"] = sample;
  }
  return j;
}

void EngineFlags::add_to(CLI::App* cmd, const std::string& threads_help) {
  cmd->add_option("--threads", threads,
                  threads_help.empty()
                      ? fmt::format("Decoding threads; 0 = the physical cores, at most 4 (here: {})", default_threads())
                      : threads_help)
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--ctx-size", ctx_size, "Positions per sequence (prompt + output); 0 = the model's trained context")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--kv-type", kv_type, "KV cache element type: f32, or f16 (half the memory)")
      ->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16"}));
}

infer::LoadOptions EngineFlags::load_options() const {
  infer::LoadOptions o;
  o.threads = threads > 0 ? threads : default_threads();
  o.context = ctx_size;
  o.kv_type = kv_type == "f16" ? infer::KVType::F16 : infer::KVType::F32;
  return o;
}

int default_threads() {
  // Physical cores = distinct (package, core) pairs among the CPUs this process may use.
  cpu_set_t set;
  CPU_ZERO(&set);
  int cores = 0;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    std::set<std::pair<std::string, std::string>> physical;
    int cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &set)) continue;
      ++cpus;
      const std::string dir = fmt::format("/sys/devices/system/cpu/cpu{}/topology/", cpu);
      std::ifstream package(dir + "physical_package_id"), core(dir + "core_id");
      std::string p, c;
      if (!(package >> p) || !(core >> c)) p = "cpu", c = std::to_string(cpu);  // no topology: count CPUs
      physical.insert({p, c});
    }
    cores = std::min(cpus, static_cast<int>(physical.size()));
  }
  if (cores <= 0) cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::clamp(cores, 1, 4);
}

namespace {

template <typename Fn>
Fn symbol(const char* name) {
  return reinterpret_cast<Fn>(nn_module_symbol(name));
}

int forward_text(void* user, int sample, const char* text, std::size_t size) {
  auto* callback = static_cast<const GenerateClient::TextCallback*>(user);
  return (*callback)(sample, std::string_view(text, size)) ? 1 : 0;
}

}  // namespace

GenerateClient::GenerateClient(const std::string& model, int threads)
    : GenerateClient(model, EngineFlags{threads, 0, "f32"}) {}

GenerateClient::GenerateClient(const std::string& model_dir, const EngineFlags& engine) {
  if (!std::filesystem::exists(model_dir)) runtime_error("model '{}' does not exist", model_dir);
  if (infer::is_causal_model(model_dir)) {
    generator_ = std::make_unique<infer::Generator>(model_dir, engine.load_options());
    return;
  }
  const int threads = engine.threads;
  char error[2048] = {0};
  int code = 0;
  session_ = symbol<LmforgeGenerateOpenFn>(LMFORGE_GENERATE_OPEN_SYMBOL)(model_dir.c_str(), threads, &code, error,
                                                                         sizeof error);
  if (!session_) check_module_result(code != 0 ? code : 1, error);
}

GenerateClient::~GenerateClient() {
  if (session_) symbol<LmforgeGenerateCloseFn>(LMFORGE_GENERATE_CLOSE_SYMBOL)(session_);
}

nlohmann::json GenerateClient::run(const nlohmann::json& request, const TextCallback& on_text) {
  if (generator_) return generator_->run(infer::GenerationRequest::from_json(request), on_text).to_json();
  char error[2048] = {0};
  char* result = nullptr;
  const std::string text = request.dump();
  const int code = symbol<LmforgeGenerateRunFn>(LMFORGE_GENERATE_RUN_SYMBOL)(
      session_, text.c_str(), on_text ? forward_text : nullptr, const_cast<TextCallback*>(&on_text), &result, error,
      sizeof error);
  check_module_result(code, error);
  auto out = nlohmann::json::parse(result);
  std::free(result);
  return out;
}

nlohmann::json GenerateClient::describe() {
  if (generator_) return generator_->describe();
  char* text = symbol<LmforgeGenerateDescribeFn>(LMFORGE_GENERATE_DESCRIBE_SYMBOL)(session_);
  auto out = nlohmann::json::parse(text);
  std::free(text);
  return out;
}

}  // namespace lmforge::cli
