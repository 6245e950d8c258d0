#include "lmforge/export/our_gpt.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/json_fields.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::exporting {

namespace fs = std::filesystem;

namespace {

fs::path model_dir(const fs::path& path) { return fs::exists(path / "config.json") ? path : path / "model"; }


}  // namespace

bool is_our_gpt_dir(const fs::path& path) {
  const auto file = model_dir(path) / "config.json";
  if (!fs::exists(file)) return false;
  try {
    const auto j = json_fields::read_file(file);
    return j.is_object() && !j.contains("architectures") && j.value("model_type", std::string("gpt")) == "gpt";
  } catch (const std::exception&) {
    return false;
  }
}

OurGptConfig read_our_gpt(const fs::path& path, const std::string& what) {
  if (!fs::is_directory(path)) runtime_error("model directory '{}' does not exist", path.string());
  OurGptConfig c;
  c.dir = model_dir(path);
  const auto file = c.dir / "config.json";
  if (!fs::exists(file))
    runtime_error("'{}' is not a model directory: no config.json (give the run directory of `lmforge train` or its model/)",
                  path.string());
  const auto j = json_fields::read_file(file);
  const auto model_type = j.value("model_type", std::string("gpt"));
  if (model_type != "gpt") runtime_error("{}: model_type '{}' cannot be exported as {} (only 'gpt')", file.string(), model_type, what);
  try {
    c.vocab_size = j.at("vocab_size").get<std::int64_t>();
    c.block_size = j.at("block_size").get<std::int64_t>();
    c.n_layer = j.at("n_layer").get<std::int64_t>();
    c.n_head = j.at("n_head").get<std::int64_t>();
    c.n_embd = j.at("n_embd").get<std::int64_t>();
    c.bias = j.value("bias", true);
    c.positions = j.value("positions", std::string("learned"));
    c.tie_weights = j.value("tie_weights", true);
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: {}", file.string(), e.what());
  }
  if (c.vocab_size <= 0 || c.block_size <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.n_embd <= 0 || c.n_embd % c.n_head)
    runtime_error("{}: inconsistent sizes (vocab_size, block_size, n_layer, n_head, n_embd)", file.string());
  if (c.positions == "rotary")
    usage_error("{} uses rotary positions, which {} cannot express (GPT-2 has a learned position table); "
                "train with positions = \"learned\" to export it",
                c.dir.string(), what);
  if (c.positions != "learned") runtime_error("{}: unknown positions '{}'", file.string(), c.positions);
  for (const char* name : {"tokenizer.lmtok", "tokenizer.model"})
    if (c.tokenizer.empty() && fs::exists(c.dir / name)) c.tokenizer = c.dir / name;
  if (!c.tokenizer.empty()) {
    const auto tok = tok::Tokenizer::load(c.tokenizer);
    c.bos_id = tok->bos_id() < c.vocab_size ? tok->bos_id() : -1;
    c.eos_id = tok->eos_id() < c.vocab_size ? tok->eos_id() : -1;
  }
  return c;
}

}  // namespace lmforge::exporting
