// `lmforge generate MODEL --prompt ... [parameters]`: text from a decoder-only model (our GPT,
// a Hugging Face or LoRA adapter directory, a .gguf file) on the native engine, or a seq2seq
// model on libtorch, streamed to stdout; or JSON lines in, JSON lines out (--input / --output).
// A thin layer over cli/generate_client.h (requests: lmforge/infer/generation_request.h).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

#include "generate_client.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "registry.h"

namespace {

struct GenerateArgs {
  std::string model;
  std::string prompt;
  std::string prompt_ids;
  std::string input;
  std::string output = "-";
  bool print_ids = false;
  bool json = false;
  bool quiet = false;
  lmforge::cli::EngineFlags engine;
  lmforge::cli::GenerationFlags flags;
};

std::vector<int> parse_ids(const std::string& text) {
  std::vector<int> ids;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    try {
      std::size_t used = 0;
      const int id = std::stoi(word, &used);
      if (used != word.size() || id < 0) throw std::invalid_argument(word);
      ids.push_back(id);
    } catch (const std::exception&) {
      lmforge::usage_error("--prompt-ids: '{}' is not a token id (expected e.g. \"1 5 9\")", word);
    }
  }
  if (ids.empty()) lmforge::usage_error("--prompt-ids is empty");
  return ids;
}

void report_timing(const nlohmann::json& r, bool quiet) {
  if (quiet) return;
  std::string reasons;
  for (const auto& s : r["samples"]) reasons += (reasons.empty() ? "" : ",") + s["finish_reason"].get<std::string>();
  fmt::print(stderr,
             "generate: prompt {} tokens in {:.1f} ms ({:.1f} tokens/s); {} tokens in {:.1f} ms ({:.1f} tokens/s); "
             "finish: {}\n",
             r["prompt_tokens"].get<long long>(), r["prompt_ms"].get<double>(),
             r.value("prompt_tokens_per_second", 0.0), r["generated_tokens"].get<long long>(),
             r["generate_ms"].get<double>(), r["tokens_per_second"].get<double>(), reasons);
}

void run_batch(lmforge::cli::GenerateClient& client, const GenerateArgs& a) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.input != "-") {
    file.open(a.input);
    if (!file) lmforge::runtime_error("cannot read {}", a.input);
    in = &file;
  }
  lmforge::AtomicFile out(a.output);
  std::string line;
  std::size_t line_no = 0, done = 0;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      lmforge::runtime_error("{}:{}: not a JSON object: {}", a.input, line_no, e.what());
    }
    if (!record.is_object()) lmforge::runtime_error("{}:{}: expected a JSON object", a.input, line_no);
    auto request = a.flags.to_request();
    nlohmann::json id;
    for (const auto& [key, value] : record.items()) {
      if (key == "id") id = value;
      else request[key] = value;
    }
    nlohmann::json result;
    try {
      result = client.run(request);
    } catch (const lmforge::UsageError& e) {
      lmforge::usage_error("{}:{}: {}", a.input, line_no, e.what());
    } catch (const lmforge::RuntimeError& e) {
      lmforge::runtime_error("{}:{}: {}", a.input, line_no, e.what());
    }
    nlohmann::json row;
    if (!id.is_null()) row["id"] = id;
    row["line"] = line_no;
    const auto& first = result["samples"][0];
    row["text"] = first["text"];
    row["tokens"] = first["tokens"];
    row["finish_reason"] = first["finish_reason"];
    if (result["samples"].size() > 1) row["samples"] = result["samples"];
    else if (first.contains("attention")) row["attention"] = first["attention"];
    for (const char* k : {"prompt_tokens", "prompt_ms", "prompt_tokens_per_second", "generated_tokens", "generate_ms",
                          "tokens_per_second", "seed"})
      if (result.contains(k)) row[k] = result[k];
    out.stream() << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    ++done;
  }
  out.commit();
  if (!a.quiet) fmt::print(stderr, "generate: {} prompts -> {}\n", done, a.output);
}

void run_generate(const GenerateArgs& a) {
  if (!a.input.empty() && (!a.prompt.empty() || !a.prompt_ids.empty()))
    lmforge::usage_error("--input (batched mode) excludes --prompt and --prompt-ids");
  if (!a.prompt.empty() && !a.prompt_ids.empty()) lmforge::usage_error("give --prompt or --prompt-ids, not both");
  // Parameter errors before the (slow) model load.
  if (a.flags.temperature < 0) lmforge::usage_error("--temperature must be >= 0 (0 = greedy), got {}", a.flags.temperature);
  if (!(a.flags.top_p > 0 && a.flags.top_p <= 1)) lmforge::usage_error("--top-p must be in (0, 1] (1 = disabled), got {}", a.flags.top_p);
  lmforge::cli::GenerateClient client(a.model, a.engine);
  if (!a.input.empty()) return run_batch(client, a);

  auto request = a.flags.to_request();
  if (!a.prompt_ids.empty()) {
    request["prompt_ids"] = parse_ids(a.prompt_ids);
  } else if (!a.prompt.empty()) {
    request["prompt"] = a.prompt;
  } else {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    request["prompt"] = text;
  }
  const bool stream = a.flags.n == 1 && !a.json && !a.print_ids;
  lmforge::cli::GenerateClient::TextCallback on_text;
  if (stream)
    on_text = [](int, std::string_view text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  const auto result = client.run(request, on_text);
  if (a.json) {
    fmt::print("{}\n", result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (a.print_ids) {
    for (const auto& s : result["samples"]) {
      std::string line;
      for (const auto& id : s["tokens"]) line += (line.empty() ? "" : " ") + std::to_string(id.get<int>());
      fmt::print("{}\n", line);
    }
  } else if (stream) {
    fmt::print("\n");
  } else {
    int i = 0;
    for (const auto& s : result["samples"]) fmt::print("--- sample {} ---\n{}\n", i++, s["text"].get<std::string>());
  }
  std::fflush(stdout);
  report_timing(result, a.quiet);
}

void add_generate_command(CLI::App& root) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = root.add_subcommand(
      "generate", "Generate text with a model (decoder-only on the native engine, seq2seq on libtorch): streamed, or "
                  "JSON lines in and out");
  cmd->add_option("model", args->model,
                  "A .gguf file (llama, qwen2, gpt2; F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K), a Hugging Face directory "
                  "(gpt2, llama, mistral, qwen2), a LoRA adapter directory (from `lmforge finetune` or PEFT, merged "
                  "into its base), or a model / run directory of `lmforge train` / `lmforge finetune`")
      ->required();
  cmd->add_option("-p,--prompt", args->prompt, "The prompt (read from stdin when neither this nor --prompt-ids is given)");
  cmd->add_option("--prompt-ids", args->prompt_ids, "The prompt as token ids, e.g. \"1 5 9\" (token-exact checks)");
  cmd->add_flag("--print-ids", args->print_ids, "Print the generated token ids (one line per sample) instead of the text");
  cmd->add_flag("--json", args->json,
                "Print the whole result as JSON (samples: text, tokens, finish reason, logprob; prompt_tokens, "
                "prompt_tokens_per_second, generated_tokens, tokens_per_second, seed)");
  cmd->add_option("-i,--input", args->input,
                  "Batched mode: JSON lines, each {\"prompt\": ...} or {\"prompt_ids\": [...]} with optional parameters "
                  "(max_new_tokens, temperature, top_k, top_p, min_p, stop, seed, n, beam_size, ...) and an \"id\"");
  cmd->add_option("-o,--output", args->output, "Batched mode: JSON lines out (text, tokens, finish_reason, timing)")
      ->capture_default_str();
  args->flags.add_to(cmd, /*seq2seq_options=*/true);
  args->engine.add_to(cmd);
  cmd->add_flag("-q,--quiet", args->quiet, "No timing line on stderr");
  cmd->callback([args] { run_generate(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(52, add_generate_command);
