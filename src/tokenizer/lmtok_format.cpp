// Reader and writer of tokenizer.lmtok (layout: docs/tokenizer-format.md).
// Every integer is little-endian; every string is a u32 byte length followed by its bytes.
// A CRC-32 over the body catches truncation and corruption before anything is interpreted.
#include "lmforge/tokenizer/lmtok_format.h"

#include <array>
#include <bit>
#include <cstring>
#include <fstream>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::tok {
namespace {

constexpr std::size_t kHeaderBytes = 8 + 4 + 8 + 4;  // magic, version, body size, body crc32

std::uint32_t crc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void f32(float v) { u32(std::bit_cast<std::uint32_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view data, const std::string& origin) : data_(data), origin_(origin) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() {
    auto b = take(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  float f32() { return std::bit_cast<float>(u32()); }
  std::string str() {
    std::uint32_t n = u32();
    return std::string(take(n));
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view take(std::size_t n) {
    if (n > data_.size() - pos_)
      runtime_error("{}: truncated tokenizer file (field at byte {} runs past the end)", origin_, pos_);
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view data_;
  const std::string& origin_;
  std::size_t pos_ = 0;
};

void write_normalizer(Writer& w, const NormalizerSpec& n) {
  w.str(n.name);
  w.str(n.precompiled_charsmap);
  w.u8(n.add_dummy_prefix);
  w.u8(n.remove_extra_whitespaces);
  w.u8(n.escape_whitespaces);
}

NormalizerSpec read_normalizer(Reader& r) {
  NormalizerSpec n;
  n.name = r.str();
  n.precompiled_charsmap = r.str();
  n.add_dummy_prefix = r.u8() != 0;
  n.remove_extra_whitespaces = r.u8() != 0;
  n.escape_whitespaces = r.u8() != 0;
  return n;
}

void check_id(int id, std::size_t n, const char* name, const std::string& origin) {
  if (id < -1 || id >= static_cast<int>(n))
    runtime_error("{}: corrupted tokenizer file: {} {} is outside the vocabulary of {} pieces", origin,
                  name, id, n);
}

}  // namespace

std::string serialize_lmtok(const ModelSpec& spec, const std::string& metadata_json) {
  Writer body;
  body.u8(static_cast<std::uint8_t>(spec.type));
  body.u8(spec.byte_fallback);
  body.u8(spec.treat_whitespace_as_suffix);
  body.u8(spec.split_digits);
  body.i32(spec.unk_id);
  body.i32(spec.bos_id);
  body.i32(spec.eos_id);
  body.i32(spec.pad_id);
  body.str(spec.unk_surface);
  write_normalizer(body, spec.normalizer);
  write_normalizer(body, spec.denormalizer);
  body.u32(static_cast<std::uint32_t>(spec.pieces.size()));
  for (const Piece& p : spec.pieces) {
    body.str(p.text);
    body.f32(p.score);
    body.u8(static_cast<std::uint8_t>(p.type));
  }
  body.str(metadata_json.empty() ? "{}" : metadata_json);

  Writer file;
  for (char c : kLmtokMagic) file.u8(static_cast<std::uint8_t>(c));
  file.u32(kLmtokVersion);
  file.u64(body.bytes().size());
  file.u32(crc32(body.bytes()));
  file.bytes().append(body.bytes());
  return std::move(file.bytes());
}

ModelSpec parse_lmtok(std::string_view bytes, const std::string& origin, std::string* metadata_json) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kLmtokMagic, 8) != 0)
    runtime_error("{}: not an lmforge tokenizer file (no LMTOK magic number); "
                  "expected a directory from `lmforge tokenizer train` or a SentencePiece .model", origin);
  if (bytes.size() < kHeaderBytes) runtime_error("{}: truncated tokenizer file (header incomplete)", origin);
  Reader header(bytes.substr(8, kHeaderBytes - 8), origin);
  std::uint32_t version = header.u32();
  if (version == 0 || version > kLmtokVersion)
    runtime_error("{}: tokenizer file version {} is not supported (this lmforge reads versions up to {}); "
                  "upgrade lmforge or retrain the tokenizer", origin, version, kLmtokVersion);
  std::uint32_t body_size_low = header.u32();
  std::uint32_t body_size_high = header.u32();
  std::uint64_t body_size = body_size_low | (static_cast<std::uint64_t>(body_size_high) << 32);
  std::uint32_t expected_crc = header.u32();
  std::string_view body = bytes.substr(kHeaderBytes);
  if (body.size() < body_size)
    runtime_error("{}: truncated tokenizer file ({} of {} body bytes present)", origin, body.size(), body_size);
  if (body.size() > body_size)
    runtime_error("{}: corrupted tokenizer file ({} unexpected bytes after the body)", origin,
                  body.size() - body_size);
  if (crc32(body) != expected_crc) runtime_error("{}: corrupted tokenizer file (CRC-32 mismatch)", origin);

  Reader r(body, origin);
  ModelSpec spec;
  std::uint8_t type = r.u8();
  if (type < 1 || type > 4) runtime_error("{}: corrupted tokenizer file: unknown model type {}", origin, type);
  spec.type = static_cast<ModelType>(type);
  spec.byte_fallback = r.u8() != 0;
  spec.treat_whitespace_as_suffix = r.u8() != 0;
  spec.split_digits = r.u8() != 0;
  spec.unk_id = r.i32();
  spec.bos_id = r.i32();
  spec.eos_id = r.i32();
  spec.pad_id = r.i32();
  spec.unk_surface = r.str();
  spec.normalizer = read_normalizer(r);
  spec.denormalizer = read_normalizer(r);
  std::uint32_t n = r.u32();
  if (n > body.size() / 9)  // each piece takes at least 9 bytes: a bound before reserving
    runtime_error("{}: corrupted tokenizer file: {} pieces cannot fit in {} bytes", origin, n, body.size());
  spec.pieces.resize(n);
  for (Piece& p : spec.pieces) {
    p.text = r.str();
    p.score = r.f32();
    std::uint8_t t = r.u8();
    if (t < 1 || t > 6) runtime_error("{}: corrupted tokenizer file: piece type {} for '{}'", origin, t, p.text);
    p.type = static_cast<PieceType>(t);
  }
  std::string meta = r.str();
  if (!r.done()) runtime_error("{}: corrupted tokenizer file (body longer than its fields)", origin);
  check_id(spec.unk_id, n, "unk_id", origin);
  check_id(spec.bos_id, n, "bos_id", origin);
  check_id(spec.eos_id, n, "eos_id", origin);
  check_id(spec.pad_id, n, "pad_id", origin);
  if (metadata_json) *metadata_json = std::move(meta);
  return spec;
}

bool is_lmtok_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  if (!in.read(magic, 8)) return false;
  return std::memcmp(magic, kLmtokMagic, 8) == 0;
}

ModelSpec read_lmtok_file(const std::filesystem::path& path, std::string* metadata_json) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    runtime_error("{}: is a directory; expected its tokenizer.lmtok", path.string());
  return parse_lmtok(read_file(path), path.string(), metadata_json);
}

ModelSpec read_lmtok_file(const std::filesystem::path& path) { return read_lmtok_file(path, nullptr); }

void write_lmtok_file(const ModelSpec& spec, const std::filesystem::path& path, const std::string& metadata_json) {
  write_file_atomic(path, serialize_lmtok(spec, metadata_json));
}

void write_lmtok_file(const ModelSpec& spec, const std::filesystem::path& path) {
  write_lmtok_file(spec, path, "{}");
}

}  // namespace lmforge::tok
