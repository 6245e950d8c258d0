// `lmforge embed sentences DIR`: one vector per input text from a BERT-family sentence encoder
// (all-MiniLM-L6-v2 ...; lmforge/pretrained/encoder_sentences.h in lmforge_nn.so), written as
// jsonl or a NumPy .npy matrix. A thin layer over cli/encoder_client.h.
#include <fmt/format.h>

#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common_options.h"
#include "encoder_client.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/progress.h"
#include "lmforge/common/record_reader.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

struct EmbedSentencesCommand {
  std::string model_dir;
  InputOptions in;
  OutputOptions out;
  std::string out_format = "auto";
  EncoderClientOptions encoder;
  bool normalize = false, no_normalize = false, quiet = false;

  // NumPy's .npy v1.0: magic, a Python-dict header padded to 64 bytes, then float32 rows (C order).
  static void write_npy(AtomicFile& file, const std::vector<float>& rows, std::size_t n, std::size_t dim) {
    std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", n, dim);
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    const std::uint16_t length = static_cast<std::uint16_t>(header.size());
    file.write("\x93NUMPY\x01\x00", 8);
    const unsigned char le[2] = {static_cast<unsigned char>(length & 0xFF), static_cast<unsigned char>(length >> 8)};
    file.write(le, 2);
    file.write(header.data(), header.size());
    file.write(rows.data(), rows.size() * sizeof(float));
  }

  void run() {
    if (normalize && no_normalize) usage_error("--normalize and --no-normalize exclude each other");
    encoder.normalize = normalize ? 1 : no_normalize ? 0 : -1;
    std::string format = out_format;
    if (format == "auto") format = out.out.ends_with(".npy") ? "npy" : "jsonl";
    if (format == "npy" && out.out == "-") usage_error("--out-format npy needs a file (-o FILE.npy), not stdout");

    std::vector<std::string> texts;
    RecordReader reader(in.input, in.reader_options());
    for (Record r; reader.next(r);) texts.push_back(std::move(r.text));
    EncoderClient client(model_dir, encoder);  // the model's errors before any work
    const auto rows = client.embed(texts, terminal_progress("embed", quiet));
    const std::size_t dim = client.dim();

    AtomicFile file(out.out, /*binary=*/format == "npy");
    if (format == "npy") {
      write_npy(file, rows, texts.size(), dim);
    } else {
      for (std::size_t i = 0; i < texts.size(); ++i) {
        std::string line = nlohmann::json{{"text", texts[i]}}.dump();
        line.pop_back();  // the closing brace: the vector follows, written compactly
        line += ",\"vector\":[";
        for (std::size_t d = 0; d < dim; ++d) line += fmt::format("{}{:.7g}", d ? "," : "", rows[i * dim + d]);
        line += "]}\n";
        file.stream() << line;
      }
    }
    file.commit();
    if (!quiet)
      std::fprintf(stderr, "%zu sentences -> %zu-dim vectors (%s, %s, at most %d tokens each) -> %s\n", texts.size(), dim,
                   client.normalizes() ? "L2-normalised" : "not normalised", format.c_str(), client.max_tokens(),
                   out.out.c_str());
  }
};

void add_embed_sentences(CLI::App& root) {
  auto* g = group(root, "embed", "Word vectors: train word2vec / GloVe, query, convert, evaluate, bias check");
  auto c = std::make_shared<EmbedSentencesCommand>();
  auto* cmd = g->add_subcommand("sentences", "Sentence vectors from a BERT-family encoder directory (all-MiniLM-L6-v2, "
                                              "sentence-transformers layout): one row per input text");
  cmd->add_option("model", c->model_dir, "Model directory: config.json (model_type bert), model.safetensors, "
                                         "tokenizer.json; modules.json / 1_Pooling when present")
      ->required()
      ->check(CLI::ExistingDirectory);
  c->in.add_to(cmd, /*input_required=*/true);
  c->out.add_to(cmd);
  cmd->add_option("--out-format", c->out_format, "auto (npy when -o ends in .npy, else jsonl), jsonl "
                                                 "({\"text\", \"vector\"} per line) or npy (float32 [N, dim])")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "jsonl", "npy"}));
  cmd->add_option("--batch-size", c->encoder.batch_size, "Sentences per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--normalize", c->normalize, "L2-normalise the vectors (default: as the model's modules.json says)");
  cmd->add_flag("--no-normalize", c->no_normalize, "Do not L2-normalise, even when modules.json has a Normalize module");
  cmd->add_option("--max-tokens", c->encoder.max_tokens, "Cut longer texts to this many tokens; 0 = the model's "
                                                         "max_seq_length (sentence_bert_config.json) or positions")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", c->encoder.threads, "libtorch compute threads; 0 = all cores")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("-q,--quiet", c->quiet, "No progress and no summary on stderr");
  cmd->callback([c] { c->run(); });
}

LMFORGE_COMMAND_GROUP(41, add_embed_sentences);

}  // namespace
}  // namespace lmforge::cli
