// lmforge: one binary, subcommand groups registered by the files in cli/.
// Exit codes: 0 ok, 1 runtime failure, 2 usage error.
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/version.h"
#include "registry.h"

namespace lmforge::cli {

static std::multimap<int, GroupRegistrar>& groups() {
  static std::multimap<int, GroupRegistrar> g;
  return g;
}

bool register_group(int order, GroupRegistrar registrar) {
  groups().emplace(order, registrar);
  return true;
}

void add_all_groups(CLI::App& root) {
  for (auto& [order, registrar] : groups()) registrar(root);
}

CLI::App* group(CLI::App& root, const std::string& name, const std::string& description) {
  for (auto* sub : root.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return sub;
  auto* g = root.add_subcommand(name, description);
  g->require_subcommand(1);
  return g;
}

}  // namespace lmforge::cli

int main(int argc, char** argv) {
  CLI::App app{"lmforge: from raw text (Chinese and English) to language-model applications", "lmforge"};
  app.set_version_flag("--version", std::string("lmforge ") + LMFORGE_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  lmforge::cli::add_all_groups(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 errors are usage errors: one line, exit 2.
    std::fprintf(stderr, "lmforge: error: %s\nRun with --help for usage.\n", e.what());
    return 2;
  } catch (const lmforge::UsageError& e) {
    std::fprintf(stderr, "lmforge: error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "lmforge: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lmforge: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
