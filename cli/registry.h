// Subcommand groups register themselves: each cli/<group>.cpp defines a function that adds
// its subcommands to the root app and registers it with LMFORGE_COMMAND_GROUP. These files
// are compiled into the executable itself (not a static library), so the registrations
// are never dropped by the linker, and adding a group needs no edit to main.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace lmforge::cli {

using GroupRegistrar = void (*)(CLI::App& root);

// `order` fixes the order of groups in --help (the order of the flow: text, tokenizer, data, ...).
bool register_group(int order, GroupRegistrar registrar);
void add_all_groups(CLI::App& root);

// The group subcommand `name` (e.g. "text"), created on first use, so that several files
// can add verbs to one group (cli/text.cpp adds clean/sentences/dedupe, cli/text_segment.cpp
// adds segment). The group requires one of its verbs.
CLI::App* group(CLI::App& root, const std::string& name, const std::string& description);

}  // namespace lmforge::cli

#define LMFORGE_COMMAND_GROUP(order, fn) \
  static const bool lmforge_registered_##fn = ::lmforge::cli::register_group(order, fn)
