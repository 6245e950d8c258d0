// Our own tokenizer file, `tokenizer.lmtok`: the ModelSpec plus training metadata in one
// file with a magic number and a version. The byte layout is documented in
// docs/tokenizer-format.md. A tokenizer directory holds tokenizer.lmtok (and a readable
// vocab.txt for people).
//
//   write_lmtok_file(spec, "tok/tokenizer.lmtok", R"({"vocab_size": 8000})");
//   std::string meta;
//   ModelSpec again = read_lmtok_file("tok/tokenizer.lmtok", &meta);
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

inline constexpr char kLmtokMagic[8] = {'L', 'M', 'T', 'O', 'K', '\0', '\0', '\0'};
inline constexpr std::uint32_t kLmtokVersion = 1;  // readers reject newer versions

// True when the file starts with the .lmtok magic number.
bool is_lmtok_file(const std::filesystem::path& path);

// RuntimeError naming the path on a missing, truncated or foreign file, or an unknown version.
ModelSpec read_lmtok_file(const std::filesystem::path& path);
// The same, also returning the training metadata (a JSON text; "{}" when none was written).
ModelSpec read_lmtok_file(const std::filesystem::path& path, std::string* metadata_json);

// Atomic (temporary file + rename). `metadata_json` is stored verbatim (training options,
// corpus statistics); readers that do not need it skip it.
void write_lmtok_file(const ModelSpec& spec, const std::filesystem::path& path);
void write_lmtok_file(const ModelSpec& spec, const std::filesystem::path& path,
                      const std::string& metadata_json);

// The in-memory forms of the same bytes (the file functions wrap these).
std::string serialize_lmtok(const ModelSpec& spec, const std::string& metadata_json = "{}");
// `origin` names the source in error messages.
ModelSpec parse_lmtok(std::string_view bytes, const std::string& origin, std::string* metadata_json = nullptr);

}  // namespace lmforge::tok
