// `lmforge chat MODEL`: an interactive session with a GPT. Line editing and history come from
// libedit when the build found it (plain line reading otherwise, e.g. when stdin is a pipe).
// Commands: /reset (forget the conversation), /params [key=value ...] (show or change the
// generation parameters), /system TEXT, /quit. Ctrl-C stops the current answer, not the session.
//
// The prompt is built by a chat template: config.json "chat_template" when the model has one,
// an object {"system": "...{content}...", "user": "...", "assistant": "...",
// "generation_prompt": "...", "stop": [...]}; else a plain "User: / Assistant:" transcript.
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
#include "registry.h"

#ifdef LMFORGE_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace {

struct ChatArgs {
  std::string model;
  std::string system;
  std::string history_file;
  int threads = 0;
  lmforge::cli::GenerationFlags flags;
};

struct ChatTemplate {
  std::string system = "{content}\n\n";
  std::string user = "User: {content}\n";
  std::string assistant = "Assistant: {content}\n";
  std::string generation_prompt = "Assistant:";
  std::vector<std::string> stop{"\nUser:"};

  static ChatTemplate from_config(const std::string& text) {
    ChatTemplate t;
    if (text.empty()) return t;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      lmforge::runtime_error("config.json chat_template must be a JSON object string with system/user/assistant/"
                             "generation_prompt/stop (got something else); not falling back silently");
    }
    for (const auto& [key, value] : j.items()) {
      if (key == "system") t.system = value.get<std::string>();
      else if (key == "user") t.user = value.get<std::string>();
      else if (key == "assistant") t.assistant = value.get<std::string>();
      else if (key == "generation_prompt") t.generation_prompt = value.get<std::string>();
      else if (key == "stop") t.stop = value.get<std::vector<std::string>>();
      else lmforge::runtime_error("config.json chat_template: unknown key '{}'", key);
    }
    return t;
  }

  static std::string fill(const std::string& pattern, const std::string& content) {
    std::string out = pattern;
    const auto at = out.find("{content}");
    if (at != std::string::npos) out.replace(at, 9, content);
    return out;
  }

  std::string render(const std::string& system_prompt, const std::vector<std::pair<std::string, std::string>>& turns,
                     const std::string& next_user) const {
    std::string prompt = system_prompt.empty() ? "" : fill(system, system_prompt);
    for (const auto& [u, a] : turns) prompt += fill(user, u) + fill(assistant, a);
    return prompt + fill(user, next_user) + generation_prompt;
  }
};

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
  lmforge::cli::GenerateClient client(a.model, a.threads);
  const auto info = client.describe();
  if (info["model_type"] != "gpt") lmforge::usage_error("chat needs a GPT model; {} is {}", a.model, info["model_type"].dump());
  const auto chat_template = ChatTemplate::from_config(info["chat_template"].get<std::string>());
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
    request["n"] = 1;
    interrupted = false;
    auto previous = std::signal(SIGINT, on_sigint);
    nlohmann::json result;
    std::string answer;
    try {
      while (true) {
        request["prompt"] = chat_template.render(system_prompt, turns, line);
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
  auto* cmd = root.add_subcommand("chat", "Talk with a trained GPT in the terminal (line editing, history, /reset, /params)");
  cmd->add_option("model", args->model, "Model directory or the run directory of `lmforge train`")->required();
  cmd->add_option("--system", args->system, "System prompt placed before the conversation");
  cmd->add_option("--history-file", args->history_file, "Keep the input history in this file (interactive sessions)");
  args->flags.add_to(cmd, /*seq2seq_options=*/false);
  cmd->add_option("--threads", args->threads, "libtorch compute threads; 0 = all cores")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_chat(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(53, add_chat_command);
