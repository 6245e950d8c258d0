// The web playground's static files (web/ in the repository: HTML, CSS, JS, no build step),
// read once at start-up into memory and served from there: only the files that were in the
// directory then can be fetched, so no request path ever reaches the file system.
//
// Where they are looked for (the first that holds index.html): --web-dir; <binary dir>/../share/
// lmforge/web (an installed tree); the source tree's web/ (LMFORGE_SOURCE_DIR, a build tree).
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace lmforge::serve {

struct WebAsset {
  std::string content_type;
  std::string body;
};

class WebAssets {
 public:
  // Every regular file directly in `dir` with a known extension (.html .css .js .json .svg .png
  // .ico .txt). RuntimeError when `dir` has no index.html.
  static WebAssets load(const std::filesystem::path& dir);
  // The directory to load: `requested` if not empty, else the search above; empty when none has
  // index.html (the server then runs without a playground and says so).
  static std::filesystem::path locate(const std::string& requested, const std::filesystem::path& binary_dir);

  // "/" is "/index.html"; null for anything else not loaded.
  const WebAsset* find(const std::string& path) const;
  std::size_t size() const { return files_.size(); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, WebAsset> files_;  // "/name" -> asset
};

}  // namespace lmforge::serve
