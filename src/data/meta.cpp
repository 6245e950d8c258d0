#include "lmforge/data/meta.h"

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::data {

using nlohmann::json;

namespace {

json split_to_json(const SplitMeta& s) {
  json shards = json::array();
  for (const auto& sh : s.shards)
    shards.push_back({{"file", sh.file}, {"tokens", sh.tokens}, {"documents", sh.documents}, {"xxh64", hex64(sh.xxh64)}});
  return {{"documents", s.documents}, {"tokens", s.tokens}, {"text_bytes", s.text_bytes}, {"shards", shards}};
}

SplitMeta split_from_json(const json& j) {
  SplitMeta s;
  s.documents = j.at("documents").get<std::uint64_t>();
  s.tokens = j.at("tokens").get<std::uint64_t>();
  s.text_bytes = j.at("text_bytes").get<std::uint64_t>();
  for (const auto& sh : j.at("shards")) {
    ShardInfo info;
    info.file = sh.at("file").get<std::string>();
    info.tokens = sh.at("tokens").get<std::uint64_t>();
    info.documents = sh.at("documents").get<std::uint32_t>();
    info.xxh64 = std::stoull(sh.at("xxh64").get<std::string>(), nullptr, 16);
    s.shards.push_back(std::move(info));
  }
  return s;
}

}  // namespace

json meta_to_json(const DatasetMeta& m) {
  json sources = json::array();
  for (const auto& s : m.sources) sources.push_back({{"path", s.path}, {"bytes", s.bytes}, {"xxh64", s.xxh64}});
  return {
      {"format", kMetaFormatName},
      {"format_version", m.format_version},
      {"dtype", dtype_name(m.dtype)},
      {"header_bytes", kShardHeaderBytes},
      {"tokenizer",
       {{"path", m.tokenizer.path},
        {"xxh64", m.tokenizer.xxh64},
        {"vocab_size", m.tokenizer.vocab_size},
        {"bos_id", m.tokenizer.bos_id},
        {"eos_id", m.tokenizer.eos_id},
        {"add_bos", m.tokenizer.add_bos}}},
      {"splits", {{"train", split_to_json(m.train)}, {"val", split_to_json(m.val)}}},
      {"skipped", {{"empty_documents", m.skipped_empty}, {"invalid_utf8", m.skipped_invalid}}},
      {"sources", sources},
      {"options", m.options},
      {"created", m.created},
      {"lmforge_version", m.lmforge_version},
  };
}

DatasetMeta meta_from_json(const json& j, const std::string& source) {
  try {
    if (j.value("format", "") != kMetaFormatName)
      runtime_error("{}: not an lmforge token dataset (format '{}')", source, j.value("format", ""));
    DatasetMeta m;
    m.format_version = j.at("format_version").get<int>();
    if (m.format_version != kMetaFormatVersion)
      runtime_error("{}: format version {} (this lmforge reads {}); prepare the data again", source,
                    m.format_version, kMetaFormatVersion);
    m.dtype = parse_dtype(j.at("dtype").get<std::string>());
    if (j.at("header_bytes").get<std::size_t>() != kShardHeaderBytes)
      runtime_error("{}: unexpected header_bytes", source);
    const auto& t = j.at("tokenizer");
    m.tokenizer.path = t.at("path").get<std::string>();
    m.tokenizer.xxh64 = t.at("xxh64").get<std::string>();
    m.tokenizer.vocab_size = t.at("vocab_size").get<std::int64_t>();
    m.tokenizer.bos_id = t.at("bos_id").get<int>();
    m.tokenizer.eos_id = t.at("eos_id").get<int>();
    m.tokenizer.add_bos = t.at("add_bos").get<bool>();
    m.train = split_from_json(j.at("splits").at("train"));
    m.val = split_from_json(j.at("splits").at("val"));
    m.skipped_empty = j.at("skipped").at("empty_documents").get<std::uint64_t>();
    m.skipped_invalid = j.at("skipped").at("invalid_utf8").get<std::uint64_t>();
    for (const auto& s : j.at("sources"))
      m.sources.push_back({s.at("path").get<std::string>(), s.at("bytes").get<std::uint64_t>(),
                           s.at("xxh64").get<std::string>()});
    m.options = j.value("options", json::object());
    m.created = j.value("created", "");
    m.lmforge_version = j.value("lmforge_version", "");
    return m;
  } catch (const json::exception& e) {
    runtime_error("{}: malformed meta.json ({})", source, e.what());
  } catch (const std::invalid_argument&) {
    runtime_error("{}: malformed shard checksum in meta.json", source);
  }
}

DatasetMeta read_meta(const std::filesystem::path& dir) {
  const auto path = dir / kMetaFileName;
  if (!std::filesystem::is_directory(dir))
    runtime_error("{}: no such directory (expected the output of `lmforge data prepare`)", dir.string());
  if (!std::filesystem::exists(path))
    runtime_error("{}: no {} here; is it the output of `lmforge data prepare`?", dir.string(), kMetaFileName);
  json j;
  try {
    j = json::parse(read_file(path));
  } catch (const json::parse_error& e) {
    runtime_error("{}: not valid JSON ({})", path.string(), e.what());
  }
  return meta_from_json(j, path.string());
}

}  // namespace lmforge::data
