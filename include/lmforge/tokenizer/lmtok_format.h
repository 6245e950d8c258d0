// Our own tokenizer file, `tokenizer.lmtok`: the ModelSpec plus training metadata in one
// file with a magic number and a version. The byte layout is documented in
// docs/tokenizer-format.md. A tokenizer directory holds tokenizer.lmtok (and a readable
// vocab.txt for people).
#pragma once

#include <filesystem>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

inline constexpr char kLmtokMagic[8] = {'L', 'M', 'T', 'O', 'K', '\0', '\0', '\0'};

// True when the file starts with the .lmtok magic number.
bool is_lmtok_file(const std::filesystem::path& path);

// RuntimeError naming the path on a missing, truncated or foreign file, or an unknown version.
ModelSpec read_lmtok_file(const std::filesystem::path& path);

// Atomic (temporary file + rename).
void write_lmtok_file(const ModelSpec& spec, const std::filesystem::path& path);

}  // namespace lmforge::tok
