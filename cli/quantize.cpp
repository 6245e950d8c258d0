// `lmforge quantize`: a model as a quantised GGUF file that lmforge's engine and llama.cpp run.
//   lmforge quantize qwen2.5-0.5b-f32.gguf --type q4_k_m -o qwen2.5-0.5b-q4_k_m.gguf
//   lmforge quantize models/llama --type q8_0 -o llama-q8_0.gguf      (a directory export gguf reads)
// The library (lmforge/export/gguf_quantize.h) picks each tensor's type as llama.cpp's quantiser
// does and encodes it bit for bit as ggml's reference C; this file parses and prints.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_quantize.h"
#include "registry.h"

namespace {

struct QuantizeArgs {
  std::string model, out, type;
  int threads = 0;
  bool quiet = false;
};

std::string megabytes(std::uint64_t bytes) { return fmt::format("{:.2f} MB", static_cast<double>(bytes) / 1e6); }

void run_quantize(const QuantizeArgs& a) {
  if (a.model.empty()) lmforge::usage_error("quantize: give a model (a GGUF file or a model directory)");
  if (a.type.empty()) lmforge::usage_error("quantize: give --type (q8_0, q4_0, q4_k_m, q5_k_m, q6_k, f16, f32)");
  if (a.out.empty()) lmforge::usage_error("quantize: give the output with -o");
  if (a.threads < 0) lmforge::usage_error("quantize: --threads must be 0 (all cores) or more, got {}", a.threads);
  lmforge::exporting::QuantizeOptions options;
  options.model = a.model;
  options.out = a.out;
  options.mix = lmforge::exporting::parse_quant_mix(a.type);
  options.threads = a.threads;
  const auto r = lmforge::exporting::quantize_model(options);
  if (a.quiet) return;
  for (const auto& note : r.notes) fmt::print(stderr, "note: {}\n", note);
  for (const auto& [type, total] : r.by_type)
    fmt::print(stderr, "  {:<5} {:>4} tensors {:>12}\n", type, total.tensors, megabytes(total.bytes));
  fmt::print(stderr, "wrote {}: {} {}, {} of tensors, file {}\n", a.out, r.architecture.empty() ? "GGUF" : r.architecture,
             lmforge::exporting::mix_name(options.mix), megabytes(r.tensor_bytes), megabytes(r.file_bytes));
}

void add_quantize_command(CLI::App& root) {
  auto args = std::make_shared<QuantizeArgs>();
  auto* cmd = root.add_subcommand(
      "quantize", "Quantise a model into a GGUF file (the weight types and bytes llama.cpp's quantiser writes)");
  cmd->add_option("model", args->model,
                  "A GGUF file (re-quantised from its weights; quantised tensors go through F32) or a model "
                  "directory that `lmforge export gguf` reads (our GPT, Llama/Mistral/Qwen2 Hugging Face)");
  cmd->add_option("--type", args->type,
                  "q8_0   8-bit, blocks of 32 (8.5 bits a weight; near-lossless)\n"
                  "q6_k   6-bit K-quant, super-blocks of 256 (6.56 bits)\n"
                  "q4_k_m 4-bit K-quant mix as llama.cpp's Q4_K_M: Q4_K (4.5 bits), with Q6_K for the output "
                  "and for attn_v / ffn_down on the layers that need more bits\n"
                  "q5_k_m 5-bit K-quant mix as llama.cpp's Q5_K_M: Q5_K (5.5 bits), Q6_K where q4_k_m takes it\n"
                  "q4_0   4-bit, blocks of 32 (4.5 bits; output Q6_K)\n"
                  "f16, f32  unquantised\n"
                  "Norms and biases keep their type (F32); rows that are not whole blocks fall back (a note says so)");
  cmd->add_option("-o,--out", args->out, "The .gguf file to write; replaced atomically (temp file, then rename)");
  cmd->add_option("--threads", args->threads, "Quantisation threads (0 = the cores this process may use)")
      ->default_val(0);
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  cmd->callback([args] { run_quantize(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(57, add_quantize_command);
