// SentencePiece `.model` files (a serialized sentencepiece.ModelProto, protobuf wire format)
// read and written without libsentencepiece or libprotobuf. Field numbers follow
// sentencepiece_model.proto; fields that do not affect encoding or decoding (training
// options such as character_coverage) are skipped on read and not written.
//
//   ModelSpec spec = read_sentencepiece_model("m.model");   // RuntimeError on a bad file
//   write_sentencepiece_model(spec, "export.model");         // loadable by spm_encode
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "lmforge/tokenizer/model.h"

namespace lmforge::tok {

// True when the bytes look like a ModelProto (they start with a `pieces` field, tag 0x0A).
// A cheap content sniff for Tokenizer::load; parsing decides for good.
bool looks_like_sentencepiece_model(std::string_view bytes);

// `origin` names the source in error messages. RuntimeError ("<origin>: not a valid
// SentencePiece model: ...") on truncated or malformed input.
ModelSpec parse_sentencepiece_model(std::string_view bytes, const std::string& origin);
ModelSpec read_sentencepiece_model(const std::filesystem::path& path);

// The spec as ModelProto bytes (trainer_spec carries model_type, vocab_size, byte_fallback,
// the special ids and unk_surface; normalizer_spec and denormalizer_spec in full).
std::string serialize_sentencepiece_model(const ModelSpec& spec);
// Atomic (temporary file + rename).
void write_sentencepiece_model(const ModelSpec& spec, const std::filesystem::path& path);

}  // namespace lmforge::tok
