// Helpers for the data tests: temporary directories and two small encoders of our own
// (the real Tokenizer lives in the tokenizer stage; these keep the data tests independent).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lmforge/common/utf8.h"
#include "lmforge/data/prepare.h"

namespace lmforge::data::testing {

namespace fs = std::filesystem;

// A fresh directory per test, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("lmforge_data_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

inline std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Byte-level: id = byte + 3, bos 1, eos 2, vocabulary 259 (uint16 shards).
inline TokenEncoder byte_encoder() {
  TokenEncoder e;
  e.encode = [](std::string_view text, std::vector<int>& ids) {
    for (unsigned char c : text) ids.push_back(c + 3);
  };
  e.vocab_size = 259;
  e.bos_id = 1;
  e.eos_id = 2;
  e.path = "test:bytes";
  return e;
}

inline std::string decode_bytes(const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) s.push_back(static_cast<char>(id - 3));
  return s;
}

// Code-point level: id = code point + 3 over all of Unicode (vocabulary > 65536: uint32 shards).
inline TokenEncoder codepoint_encoder() {
  TokenEncoder e;
  e.encode = [](std::string_view text, std::vector<int>& ids) {
    for (char32_t cp : utf8::to_u32(text)) ids.push_back(static_cast<int>(cp) + 3);
  };
  e.vocab_size = 0x110000 + 3;
  e.bos_id = 1;
  e.eos_id = 2;
  e.path = "test:codepoints";
  return e;
}

// Splits a token stream at eos into documents (decoded with `decode`).
template <typename Decode>
std::vector<std::string> documents(const std::vector<int>& stream, int eos, Decode decode) {
  std::vector<std::string> docs;
  std::vector<int> cur;
  for (int id : stream) {
    if (id == eos) {
      docs.push_back(decode(cur));
      cur.clear();
    } else {
      cur.push_back(id);
    }
  }
  EXPECT_TRUE(cur.empty()) << "stream does not end with eos";
  return docs;
}

}  // namespace lmforge::data::testing
