// `lmforge perplexity MODEL -i TEXT [--ctx N --stride S]`: the model's perplexity on a text file,
// by llama-perplexity's method (lmforge/infer/perplexity.h), to check a quantised file on real
// text and to compare with llama.cpp on the same GGUF file.
#include <cstdio>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "generate_client.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/causal_model.h"
#include "lmforge/infer/model_source.h"
#include "lmforge/infer/perplexity.h"
#include "registry.h"

namespace {

struct PerplexityArgs {
  std::string model;
  std::string input;
  std::int64_t ctx = 512;
  std::int64_t stride = 0;
  bool json = false;
  bool quiet = false;
  lmforge::cli::EngineFlags engine;
};

void run_perplexity(const PerplexityArgs& a) {
  namespace infer = lmforge::infer;
  std::ifstream in(a.input, std::ios::binary);
  if (!in) lmforge::runtime_error("cannot read {}", a.input);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!infer::is_causal_model(a.model))
    lmforge::usage_error("{}: perplexity needs a decoder-only model (a .gguf file, a Hugging Face, LoRA adapter or "
                         "lmforge GPT directory)",
                         a.model);
  const auto source = infer::open_model_source(a.model);
  if (!source.tokenizer) lmforge::runtime_error("{}: no tokenizer found; perplexity needs one to read the text", a.model);
  auto options = a.engine.load_options();
  if (options.context == 0) options.context = a.ctx;  // the cache needs only one window
  const auto model = infer::load_causal_model(a.model, options);
  const auto& info = model->info();

  // As llama.cpp's common_tokenize(text, add_special = true): bos when the model adds it.
  std::vector<int> tokens = source.tokenizer->encode(text);
  const int bos = info.bos_id >= 0 ? info.bos_id : source.tokenizer->bos_id();
  const bool add_bos = info.add_bos && bos >= 0;
  if (add_bos && (tokens.empty() || tokens.front() != bos)) tokens.insert(tokens.begin(), bos);

  infer::PerplexityOptions o;
  o.context = a.ctx;
  o.stride = a.stride;
  o.bos_id = add_bos ? bos : -1;
  if (!a.quiet)
    o.on_window = [](std::int64_t done, std::int64_t all, double ppl) {
      std::fprintf(stderr, "\rperplexity: window %lld/%lld  ppl %.4f", static_cast<long long>(done),
                   static_cast<long long>(all), ppl);
      std::fflush(stderr);
    };
  const auto r = infer::perplexity(*model, tokens, o);
  if (!a.quiet) std::fprintf(stderr, "\n");
  if (a.json) {
    nlohmann::json j{{"ppl", r.ppl},
                     {"ppl_error", r.ppl_error},
                     {"mean_nll", r.mean_nll},
                     {"tokens", tokens.size()},
                     {"windows", r.windows},
                     {"scored_tokens", r.scored_tokens},
                     {"ctx", a.ctx},
                     {"stride", a.stride},
                     {"seconds", r.seconds},
                     {"tokens_per_second", r.tokens_per_second},
                     {"threads", options.threads},
                     {"weight_types", info.weight_types}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("PPL = {:.4f} +/- {:.5f}  ({} windows of {} tokens, {} scored; {:.1f} tokens/s, {} threads)\n", r.ppl,
               r.ppl_error, r.windows, a.ctx, r.scored_tokens, r.tokens_per_second, options.threads);
  }
}

void add_perplexity_command(CLI::App& root) {
  auto args = std::make_shared<PerplexityArgs>();
  auto* cmd = root.add_subcommand(
      "perplexity", "Perplexity of a decoder-only model on a text file (llama-perplexity's method and figures)");
  cmd->add_option("model", args->model,
                  "A .gguf file, a Hugging Face or LoRA adapter directory, or an lmforge model / run directory")
      ->required();
  cmd->add_option("-i,--input", args->input, "The text (UTF-8), e.g. wikitext-2's wiki.test.raw")->required();
  cmd->add_option("--ctx", args->ctx,
                  "Tokens per window; each window scores its second half (the text needs at least 2 x ctx tokens)")
      ->capture_default_str()
      ->check(CLI::Range(4, 1 << 20));
  cmd->add_option("--stride", args->stride,
                  "0: llama-perplexity's default windows; S > 0: a window every S tokens scoring its last S "
                  "(its --ppl-stride)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  args->engine.add_to(cmd);
  cmd->add_flag("--json", args->json, "One JSON object: ppl, ppl_error, tokens, windows, tokens_per_second, ...");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] { run_perplexity(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(58, add_perplexity_command);
