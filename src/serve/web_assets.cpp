#include "lmforge/serve/web_assets.h"

#include <fstream>
#include <sstream>

#include "lmforge/common/error.h"

namespace lmforge::serve {
namespace {

std::string content_type_for(const std::string& extension) {
  static const std::map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".ico", "image/x-icon"},               {".txt", "text/plain; charset=utf-8"}};
  const auto it = types.find(extension);
  return it == types.end() ? "" : it->second;
}

}  // namespace

WebAssets WebAssets::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_regular_file(dir / "index.html"))
    runtime_error("--web-dir {}: no index.html there", dir.string());
  WebAssets assets;
  assets.dir_ = dir;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const auto type = content_type_for(entry.path().extension().string());
    if (type.empty()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) runtime_error("cannot read {}", entry.path().string());
    std::ostringstream body;
    body << in.rdbuf();
    std::string route(1, '/');  // (not "/" + name: GCC 12 warns falsely about that concatenation)
    route += entry.path().filename().string();
    assets.files_[route] = {type, body.str()};
  }
  return assets;
}

std::filesystem::path WebAssets::locate(const std::string& requested, const std::filesystem::path& binary_dir) {
  if (!requested.empty()) return requested;
  for (const auto& dir : {binary_dir / ".." / "share" / "lmforge" / "web",
                          std::filesystem::path(LMFORGE_SOURCE_DIR) / "web"})
    if (std::filesystem::is_regular_file(dir / "index.html")) return dir.lexically_normal();
  return {};
}

const WebAsset* WebAssets::find(const std::string& path) const {
  const auto it = files_.find(path == "/" ? "/index.html" : path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace lmforge::serve
