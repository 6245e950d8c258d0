// `lmforge chat MODEL`: an interactive session with a GPT. Line editing and history come from
// libedit when the build found it (plain line reading otherwise, e.g. when stdin is a pipe).
// Commands: /reset (forget the conversation), /params [key=value ...] (show or change the
// generation parameters), /system TEXT, /quit. Ctrl-C stops the current answer, not the session.
//
// The prompt is built by a chat template (lmforge/serve/chat_template.h): for our GPT,
// config.json "chat_template" when the model has one, an object {"system": "...{content}...",
// "user": "...", "assistant": "...", "generation_prompt": "...", "stop": [...]}, else a plain
// "User: / Assistant:" transcript; for a Hugging Face directory, tokenizer_config.json's Jinja
// template recognised by its markers (ChatML, Llama 3, Llama 2, Mistral, Gemma) and rendered as
// transformers' apply_chat_template does. --chat-template overrides either.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "generate_client.h"
#include "lmforge/common/error.h"
#include "lmforge/serve/chat_template.h"
#include "registry.h"

#ifdef LMFORGE_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace {

struct ChatArgs {
  std::string model;
  std::string system;
  std::string history_file;
  std::string chat_template;
  bool print_prompt_ids = false;
  lmforge::cli::EngineFlags engine;
  lmforge::cli::GenerationFlags flags;
};

// The prompt of the next turn: the system prompt, the exchanges so far, the new user line.
std::vector<lmforge::serve::ChatMessage> conversation(const std::string& system_prompt,
                                                      const std::vector<std::pair<std::string, std::string>>& turns,
                                                      const std::string& next_user) {
  std::vector<lmforge::serve::ChatMessage> messages;
  if (!system_prompt.empty()) messages.push_back({"system", system_prompt});
  for (const auto& [u, a] : turns) {
    messages.push_back({"user", u});
    messages.push_back({"assistant", a});
  }
  messages.push_back({"user", next_user});
  return messages;
}

std::atomic<bool> interrupted{false};
void on_sigint(int) { interrupted = true; }

bool read_line(const std::string& prompt, std::string& line, bool interactive) {
#ifdef LMFORGE_HAVE_LIBEDIT
  if (interactive) {
    char* text = readline(prompt.c_str());
    if (!text) return false;
    line = text;
    if (!line.empty()) add_history(text);
    std::free(text);
    return true;
  }
#endif
  if (interactive) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  return static_cast<bool>(std::getline(std::cin, line));
}

void set_param(nlohmann::json& params, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) throw lmforge::UsageError(fmt::format("expected key=value, got '{}'", assignment));
  const std::string key = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  try {
    params[key] = nlohmann::json::parse(value);
  } catch (const nlohmann::json::exception&) {
    params[key] = value;  // a bare string (a stop string)
  }
}

void run_chat(const ChatArgs& a) {
  if (a.flags.temperature < 0) lmforge::usage_error("--temperature must be >= 0 (0 = greedy), got {}", a.flags.temperature);
  if (!(a.flags.top_p > 0 && a.flags.top_p <= 1)) lmforge::usage_error("--top-p must be in (0, 1] (1 = disabled), got {}", a.flags.top_p);
  lmforge::cli::GenerateClient client(a.model, a.engine);
  const auto info = client.describe();
  if (info["model_type"] == "seq2seq") lmforge::usage_error("chat needs a decoder (GPT) model; {} is seq2seq", a.model);
  const auto chat_template =
      lmforge::serve::ChatTemplate::choose(info.value("chat_template", std::string()), a.chat_template);
  if (!chat_template.unusable.empty()) lmforge::runtime_error("{}: {}", a.model, chat_template.unusable);
  const bool interactive = isatty(STDIN_FILENO) != 0;
#ifdef LMFORGE_HAVE_LIBEDIT
  if (interactive && !a.history_file.empty()) read_history(a.history_file.c_str());
#endif
  auto params = a.flags.to_request();
  std::string system_prompt = a.system;
  std::vector<std::pair<std::string, std::string>> turns;
  if (interactive)
    fmt::print("lmforge chat: {} ({} parameters, context {}). /reset /params [k=v] /system TEXT /quit; Ctrl-C stops an answer.\n",
               a.model, info.value("parameters", 0), info.value("context", 0));
  std::string line;
  while (read_line("> ", line, interactive)) {
    if (line.empty()) continue;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      turns.clear();
      fmt::print("(conversation cleared)\n");
      continue;
    }
    if (line.rfind("/system", 0) == 0) {
      system_prompt = line.size() > 8 ? line.substr(8) : "";
      fmt::print("(system prompt {})\n", system_prompt.empty() ? "cleared" : "set");
      continue;
    }
    if (line.rfind("/params", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string w;
      try {
        auto changed = params;
        while (words >> w) set_param(changed, w);
        params = changed;
      } catch (const lmforge::UsageError& e) {
        fmt::print("error: {}\n", e.what());
      }
      fmt::print("{}\n", params.dump());
      continue;
    }
    if (line[0] == '/') {
      fmt::print("unknown command {} (/reset /params /system /quit)\n", line);
      continue;
    }
    auto request = params;
    std::vector<std::string> stop = chat_template.stop;
    if (request.contains("stop")) {
      for (const auto& s : request["stop"]) stop.push_back(s.get<std::string>());
    }
    request["stop"] = stop;
    chat_template.add_request_keys(request);
    request["n"] = 1;
    if (a.print_prompt_ids) request["return_prompt_ids"] = true;
    interrupted = false;
    auto previous = std::signal(SIGINT, on_sigint);
    nlohmann::json result;
    std::string answer;
    try {
      while (true) {
        request["prompt"] = chat_template.render(conversation(system_prompt, turns, line));
        try {
          result = client.run(request, [&](int, std::string_view text) {
            if (interrupted) return false;
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
            return true;
          });
          break;
        } catch (const lmforge::UsageError& e) {
          // The conversation outgrew the context: forget the oldest exchange and retry.
          if (std::string(e.what()).find("context") == std::string::npos || turns.empty()) throw;
          turns.erase(turns.begin());
          fmt::print(stderr, "(context full: dropped the oldest exchange)\n");
        }
      }
      if (a.print_prompt_ids) {
        std::string ids;
        for (const auto& id : result["prompt_ids"]) ids += (ids.empty() ? "" : " ") + std::to_string(id.get<int>());
        fmt::print(stderr, "prompt ids: {}\n", ids);
      }
      answer = result["samples"][0]["text"].get<std::string>();
      if (result["samples"][0]["finish_reason"] == "cancelled") fmt::print(" [stopped]");
      fmt::print("\n");
      turns.emplace_back(line, answer);
    } catch (const lmforge::UsageError& e) {
      fmt::print("error: {}\n", e.what());
    }
    std::signal(SIGINT, previous);
  }
#ifdef LMFORGE_HAVE_LIBEDIT
  if (interactive && !a.history_file.empty()) write_history(a.history_file.c_str());
#endif
}

void add_chat_command(CLI::App& root) {
  auto args = std::make_shared<ChatArgs>();
  auto* cmd = root.add_subcommand("chat", "Talk with a trained GPT or a Hugging Face chat model in the terminal (line editing, history, /reset, /params)");
  cmd->add_option("model", args->model, "Model directory, the run directory of `lmforge train`, or a Hugging Face directory")->required();
  cmd->add_option("--system", args->system, "System prompt placed before the conversation");
  cmd->add_option("--history-file", args->history_file, "Keep the input history in this file (interactive sessions)");
  cmd->add_option("--chat-template", args->chat_template,
                  "Prompt format instead of the model's: a style (chatml, llama3, llama2, mistral, gemma) or a JSON "
                  "object {\"system\", \"user\", \"assistant\", \"generation_prompt\", \"stop\"}; default: the model's");
  cmd->add_flag("--print-prompt-ids", args->print_prompt_ids, "Print the token ids of each prompt fed to the model on stderr");
  args->flags.add_to(cmd, /*seq2seq_options=*/false);
  args->engine.add_to(cmd);
  cmd->callback([args] { run_chat(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(53, add_chat_command);
