// `lmforge export`: a model in another ecosystem's format (lmforge/export/):
//   lmforge export runs/baby --format hf -o baby-hf                 GPT-2 Hugging Face directory
//   lmforge export runs/baby --format gguf --type f16 -o baby.gguf  llama.cpp (arch gpt2)
//   lmforge export models/llama --format gguf --type q8_0 -o m.gguf Llama / Mistral / Qwen2
//   lmforge export --check m.gguf                                   header, metadata, tensor table
// Torch-free: the weights are read straight from model.safetensors.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_export.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/export/hf_gpt2_export.h"
#include "registry.h"

namespace {

struct ExportArgs {
  std::string model, out, format, type = "f32", check;
  bool quiet = false, id_tokens = false;
};

void print_gguf(const std::string& path) {
  lmforge::gguf::Reader file(path);
  fmt::print("{}: GGUF v{}, {} metadata keys, {} tensors, alignment {}, data at byte {}\n", path, file.version(),
             file.keys().size(), file.tensors().size(), file.alignment(), file.data_start());
  for (const auto& key : file.keys()) fmt::print("  {} = {}\n", key, lmforge::gguf::describe(file.metadata().at(key)));
  std::uint64_t values = 0;
  for (const auto& t : file.tensors()) {
    const auto type = lmforge::gguf::is_known_type(t.type) ? std::string(lmforge::gguf::type_name(
                                                                 static_cast<lmforge::gguf::TensorType>(t.type)))
                                                           : fmt::format("type {}", t.type);
    fmt::print("  tensor {} [{}] {} at {}\n", t.name, fmt::join(t.ne, ", "), type, t.offset);
    values += t.count();
  }
  fmt::print("{} values in all\n", values);
}

void run_export(const ExportArgs& a) {
  if (!a.check.empty()) {
    print_gguf(a.check);
    return;
  }
  if (a.model.empty()) lmforge::usage_error("export: give a model directory (or --check FILE.gguf)");
  if (a.out.empty()) lmforge::usage_error("export: give the output with -o");
  if (a.format == "hf") {
    if (a.type != "f32") lmforge::usage_error("export --format hf writes float32 weights; --type {} is for gguf", a.type);
    const auto r = lmforge::exporting::export_gpt2_hf({a.model, a.out});
    if (!a.quiet)
      fmt::print(stderr, "wrote {}: GPT-2 Hugging Face directory, {} tensors, {} values{} (no tokenizer: use token ids)\n",
                 a.out, r.tensors, r.parameters, r.tied ? "" : ", untied lm_head");
    return;
  }
  lmforge::exporting::GgufExportOptions options;
  options.model = a.model;
  options.out = a.out;
  options.type = lmforge::exporting::parse_gguf_type(a.type);
  options.id_tokens = a.id_tokens;
  const auto r = lmforge::exporting::export_gguf(options);
  if (!a.quiet) {
    fmt::print(stderr, "wrote {}: GGUF arch {}, {} tensors ({} quantized to {}), {} values\n", a.out, r.architecture,
               r.tensors, r.converted, a.type, r.parameters);
    for (const auto& note : r.notes) fmt::print(stderr, "note: {}\n", note);
  }
}

void add_export_command(CLI::App& root) {
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = root.add_subcommand(
      "export", "Export a model: our GPT as a GPT-2 Hugging Face directory; our GPT or a Llama/Mistral/Qwen2 "
                "Hugging Face directory as GGUF for llama.cpp");
  cmd->add_option("model", args->model,
                  "Model directory: our run directory (or its model/), or a Hugging Face directory (gguf only)");
  cmd->add_option("-o,--out", args->out, "Output: a directory (hf) or a .gguf file (gguf); replaced atomically");
  cmd->add_option("--format", args->format, "hf (GPT-2 directory for transformers) or gguf (llama.cpp)")
      ->check(CLI::IsMember({"hf", "gguf"}))
      ->default_val("gguf");
  cmd->add_option("--type", args->type,
                  "gguf weight type of 2-D tensors: f32, f16, or q8_0 (rows not divisible by 32 stay f16); "
                  "norms and biases stay f32")
      ->check(CLI::IsMember({"f32", "f16", "q8_0"}))
      ->default_val("f32");
  cmd->add_option("--check", args->check, "Instead of exporting: read a GGUF file and print its header, metadata "
                                          "and tensor table (a bad file is a one-line error)");
  cmd->add_flag("--id-tokens", args->id_tokens,
                "gguf: write tokens \"<|id|>\" instead of the tokenizer, so that a llama.cpp prompt written "
                "\"<|5|><|9|>\" is exactly those ids (token-exact comparisons)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  cmd->callback([args] { run_export(*args); });
}

}  // namespace

LMFORGE_COMMAND_GROUP(56, add_export_command);
