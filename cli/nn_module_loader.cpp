#include "nn_module_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "lmforge/common/error.h"
#include "lmforge/train/nn_module.h"

namespace fs = std::filesystem;

namespace lmforge::cli {
namespace {

void* load_module() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LMFORGE_NN_MODULE"); env && *env) candidates.emplace_back(env);
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / LMFORGE_NN_MODULE_FILE);
    candidates.push_back(exe.parent_path().parent_path() / "lib" / "lmforge" / LMFORGE_NN_MODULE_FILE);
  }
  std::string tried, last_error;
  for (const auto& path : candidates) {
    if (!fs::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    last_error = ::dlerror();
    tried += (tried.empty() ? "" : ", ") + path.string();
  }
  if (!last_error.empty()) runtime_error("cannot load the neural-network module: {}", last_error);
  runtime_error("the neural-network module {} was not found (looked in: {}); build it with scripts/build.sh "
                "or set LMFORGE_NN_MODULE", LMFORGE_NN_MODULE_FILE, tried);
}

}  // namespace

void* nn_module_symbol(const std::string& symbol) {
  static void* handle = load_module();
  void* address = ::dlsym(handle, symbol.c_str());
  if (!address) runtime_error("the neural-network module has no entry point {} (stale build?)", symbol);
  return address;
}

void check_module_result(int code, const char* message) {
  if (code == 0) return;
  if (code == 2) throw UsageError(message);
  throw RuntimeError(message);
}

}  // namespace lmforge::cli
