// Where bundled resources (data/dict, data/stopwords) are found: LMFORGE_DATA, then the
// source tree this binary was built from, then an installed share/lmforge/data.
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "lmforge/common/error.h"
#include "lmforge/text/segment.h"

namespace lmforge::text {

std::string bundled_data_path(const std::string& relative) {
  namespace fs = std::filesystem;
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("LMFORGE_DATA"); env && *env) roots.emplace_back(env);
#ifdef LMFORGE_SOURCE_DIR
  roots.emplace_back(fs::path(LMFORGE_SOURCE_DIR) / "data");
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path().parent_path() / "share" / "lmforge" / "data");
  for (const auto& root : roots) {
    const fs::path candidate = root / relative;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  std::string tried;
  for (const auto& root : roots) tried += (tried.empty() ? "" : ", ") + root.string();
  runtime_error("bundled file '{}' not found (looked in: {}); set LMFORGE_DATA to the data/ folder", relative,
                tried);
}

}  // namespace lmforge::text
