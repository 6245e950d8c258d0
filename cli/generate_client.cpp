#include "generate_client.h"

#include <cstdlib>

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
  cmd->add_flag("--no-kv-cache", no_kv_cache,
                "GPT: recompute the whole context for every token (benchmarks; same output, slower)");
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
  if (no_kv_cache) j["use_kv_cache"] = false;
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

GenerateClient::GenerateClient(const std::string& model_dir, int threads) {
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
  char* text = symbol<LmforgeGenerateDescribeFn>(LMFORGE_GENERATE_DESCRIBE_SYMBOL)(session_);
  auto out = nlohmann::json::parse(text);
  std::free(text);
  return out;
}

}  // namespace lmforge::cli
