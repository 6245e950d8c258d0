// `lmforge write MODEL --control 好评 --prompt 味道 -n 8` and `lmforge ideas MODEL --prompt ...`:
// many samples from a GPT trained with control prefixes (`write prepare`), reranked by model
// likelihood and novelty (write) or clustered into distinct directions (ideas).
// Generation runs on the native engine through GenerateClient; the choosing is lmforge/write.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "generate_client.h"
#include "lmforge/common/error.h"
#include "lmforge/write/controls.h"
#include "lmforge/write/ideas.h"
#include "lmforge/write/prompt_template.h"
#include "lmforge/write/rerank.h"
#include "registry.h"

namespace lmforge::cli {

void add_write_prepare(CLI::App* write_cmd);  // cli/write_prepare.cpp

namespace {

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

// What write and ideas share: the model, how the prompt is built, and sampling.
struct PromptArgs {
  std::string model, prompt, control, controls_path, template_path;
  std::vector<std::string> slots;
  EngineFlags engine;
  bool json = false, quiet = false;
  GenerationFlags flags;

  void add_to(CLI::App* cmd, const std::string& samples_help, int default_samples) {
    cmd->add_option("model", model, "A decoder-only model: a GPT from `lmforge train`, a Hugging Face or LoRA "
                                    "adapter directory, or a .gguf file");
    cmd->add_option("-p,--prompt", prompt, "Text the output starts with (after the control prefix)");
    cmd->add_option("-c,--control", control, "Control value (e.g. 好评): the prefix the model was trained with");
    cmd->add_option("--controls", controls_path,
                    "controls.json from `write prepare` (default: MODEL/controls.json): format and known controls");
    cmd->add_option("-t,--template", template_path, "Prompt template (TOML, see templates/): builds control and prompt");
    cmd->add_option("-s,--slot", slots, "Template slot value name=value; repeatable");
    engine.add_to(cmd);
    cmd->add_flag("--json", json, "One JSON object with every candidate and its scores");
    cmd->add_flag("-q,--quiet", quiet, "No summary on stderr");
    flags.temperature = 1.0;
    flags.top_p = 0.95;
    flags.max_new_tokens = 80;
    flags.n = default_samples;
    flags.add_to(cmd, /*seq2seq_options=*/false);
    cmd->get_option("-n")->description(samples_help);
  }

  // The prompt sent to the model (control prefix + prompt) and the prompt shown to people.
  std::pair<std::string, std::string> build_prompt() {
    if (model.empty()) usage_error("the model directory is required");
    std::string user_prompt = prompt, user_control = control;
    if (!template_path.empty()) {
      std::map<std::string, std::string> values;
      for (const auto& s : slots) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) usage_error("--slot '{}' is not name=value", s);
        values[s.substr(0, eq)] = s.substr(eq + 1);
      }
      const auto rendered = write::PromptTemplate::load(template_path).render(values);
      if (!prompt.empty() || !control.empty()) usage_error("--template builds the prompt and control: drop --prompt/--control");
      user_prompt = rendered.prompt;
      user_control = rendered.control;
    } else if (!slots.empty()) {
      usage_error("--slot needs --template");
    }
    write::ControlSet controls;
    const std::filesystem::path controls_file =
        controls_path.empty() ? std::filesystem::path(model) / "controls.json" : std::filesystem::path(controls_path);
    const bool have_controls = std::filesystem::exists(controls_file);
    if (have_controls) controls = write::ControlSet::load(controls_file);
    else if (!controls_path.empty()) runtime_error("{}: no such file", controls_path);
    if (!user_control.empty()) {
      if (!have_controls)
        std::fprintf(stderr, "warning: no %s: using the prefix %s unchecked\n", controls_file.string().c_str(),
                     controls.prefix(user_control).c_str());
      else if (!controls.known(user_control))
        std::fprintf(stderr, "warning: the model never saw control '%s' in training (known: %s): expect it to be ignored\n",
                     user_control.c_str(), controls.names().c_str());
    }
    const std::string full = (user_control.empty() ? "" : controls.prefix(user_control)) + user_prompt;
    if (full.empty()) usage_error("nothing to start from: give --prompt, --control or --template");
    return {full, user_prompt};
  }

  // Samples `count` candidates for the prompt in one batch.
  std::vector<write::Candidate> sample(GenerateClient& client, const std::string& full_prompt, int count) {
    auto request = flags.to_request();
    request["prompt"] = full_prompt;
    request["n"] = count;
    // Sample i draws with seed + i, so --seed 1 and --seed 2 would share all but one of their
    // streams: spread user seeds apart so that each names its own set of candidates.
    if (flags.seed < 0) request.erase("seed");
    else request["seed"] = (flags.seed % 1'000'000'007) * 65'536;
    const auto result = client.run(request);
    std::vector<write::Candidate> out;
    for (const auto& s : result["samples"]) {
      if (!s.contains("logprob")) runtime_error("{}: this model gives no likelihoods (write needs a GPT)", model);
      out.push_back({s["text"].get<std::string>(), s["logprob"].get<double>(), s["tokens"].size()});
    }
    return out;
  }
};

struct WriteCommand {
  PromptArgs args;
  int candidates = 0;
  write::RerankOptions rerank;
  CLI::App* command = nullptr;

  void add_to(CLI::App* cmd) {
    command = cmd;
    args.add_to(cmd, "Candidates returned (after reranking)", 8);
    cmd->add_option("--candidates", candidates, "Samples drawn before reranking; 0 = 4 x -n")->capture_default_str();
    cmd->add_option("--near-duplicate", rerank.near_duplicate,
                    "Drop a candidate whose term overlap (Jaccard) with a likelier one reaches this")
        ->capture_default_str();
    cmd->add_option("--diversity", rerank.diversity, "Reranking weight of novelty vs likelihood, in [0, 1]")
        ->capture_default_str();
    cmd->callback([this] { run(); });
  }

  void run() {
    if (!command->get_subcommands().empty()) return;  // `write prepare` ran
    const auto [full_prompt, shown_prompt] = args.build_prompt();
    const int count = candidates > 0 ? candidates : 4 * args.flags.n;
    if (count < args.flags.n) usage_error("--candidates ({}) must be >= -n ({})", count, args.flags.n);
    rerank.keep = static_cast<std::size_t>(args.flags.n);
    const auto start = std::chrono::steady_clock::now();
    GenerateClient client(args.model, args.engine);
    const auto drawn = args.sample(client, full_prompt, count);
    write::RerankReport report;
    const auto picks = write::rerank(drawn, rerank, &report);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (args.json) {
      nlohmann::json out = {{"prompt", full_prompt}, {"candidates", drawn.size()},
                            {"near_duplicates", report.near_duplicates}, {"too_short", report.too_short}};
      out["results"] = nlohmann::json::array();
      for (const auto& p : picks)
        out["results"].push_back({{"text", shown_prompt + drawn[p.index].text},
                                  {"score", p.score},
                                  {"mean_logprob", p.mean_logprob},
                                  {"perplexity", std::exp(-p.mean_logprob)},
                                  {"max_similarity", p.max_similarity}});
      std::cout << out.dump(2) << '\n';
    } else {
      for (const auto& p : picks) std::cout << one_line(shown_prompt + drawn[p.index].text) << '\n';
    }
    if (!args.quiet)
      std::fprintf(stderr, "write: %zu candidates in %.1f s; %zu near-duplicates and %zu too short dropped; %zu returned\n",
                   drawn.size(), seconds, report.near_duplicates, report.too_short, picks.size());
  }
};

struct IdeasCommand {
  PromptArgs args;
  write::IdeasOptions options;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand("ideas", "Many samples for a prompt, deduplicated and clustered into a short list "
                                             "of distinct ideas (largest cluster first)");
    args.add_to(cmd, "Samples drawn", 64);
    cmd->add_option("-k,--clusters", options.clusters, "Ideas listed at most (k-means clusters)")->capture_default_str();
    cmd->add_option("--near-duplicate", options.near_duplicate, "Drop samples whose term overlap with a likelier one "
                                                                "reaches this")
        ->capture_default_str();
    cmd->callback([this] { run(); });
  }

  void run() {
    const auto [full_prompt, shown_prompt] = args.build_prompt();
    if (args.flags.seed >= 0) options.seed = static_cast<std::uint64_t>(args.flags.seed);
    GenerateClient client(args.model, args.engine);
    const auto drawn = args.sample(client, full_prompt, args.flags.n);
    write::IdeasReport report;
    const auto ideas = write::group_ideas(drawn, options, &report);
    if (args.json) {
      nlohmann::json out = {{"prompt", full_prompt}, {"samples", drawn.size()}, {"distinct", report.distinct},
                            {"near_duplicates", report.near_duplicates}, {"too_short", report.too_short}};
      out["ideas"] = nlohmann::json::array();
      for (const auto& idea : ideas) {
        nlohmann::json members = nlohmann::json::array();
        for (auto m : idea.members) members.push_back(shown_prompt + drawn[m].text);
        out["ideas"].push_back({{"text", shown_prompt + drawn[idea.representative].text},
                                {"size", idea.members.size()},
                                {"mean_logprob", idea.mean_logprob},
                                {"members", members}});
      }
      std::cout << out.dump(2) << '\n';
    } else {
      for (std::size_t i = 0; i < ideas.size(); ++i)
        std::cout << fmt::format("{}. [{}] {}\n", i + 1, ideas[i].members.size(),
                                 one_line(shown_prompt + drawn[ideas[i].representative].text));
    }
    if (!args.quiet)
      std::fprintf(stderr, "ideas: %zu samples, %zu distinct (%zu near-duplicates, %zu too short), %zu ideas\n",
                   drawn.size(), report.distinct, report.near_duplicates, report.too_short, ideas.size());
  }
};

void add_write_commands(CLI::App& root) {
  static WriteCommand write_command;
  static IdeasCommand ideas_command;
  auto* cmd = root.add_subcommand("write", "Copy from a GPT trained with control prefixes: samples reranked by "
                                           "likelihood and novelty, near-duplicates removed (`write prepare` makes "
                                           "the training data)");
  cmd->require_subcommand(0, 1);
  add_write_prepare(cmd);
  write_command.add_to(cmd);
  ideas_command.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(75, add_write_commands);

}  // namespace lmforge::cli
