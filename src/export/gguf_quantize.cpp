// quantize_model (gguf_quantize.h): a GGUF file re-encoded tensor by tensor, or a model
// directory through the GGUF exporter with a mix; then the written file's tensor table summed
// by type, so the summary describes the file as it is.
#include "lmforge/export/gguf_quantize.h"

#include <filesystem>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_export.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/export/gguf_writer.h"
#include "lmforge/infer/quantize.h"
#include "lmforge/infer/thread_pool.h"

namespace lmforge::exporting {

namespace fs = std::filesystem;

std::vector<std::uint8_t> encode_rows(const std::vector<float>& values, std::uint64_t cols, gguf::TensorType type,
                                      int threads) {
  const std::uint64_t row = gguf::row_bytes(type, cols);
  if (cols == 0 || row == 0 || values.size() % cols)
    runtime_error("{} values in rows of {} cannot be {}", values.size(), cols, gguf::type_name(type));
  const std::uint64_t rows = values.size() / cols;
  std::vector<std::uint8_t> out(rows * row);
  // Rows are independent, so any split gives the bytes of one pass; small tensors stay on one thread.
  infer::ThreadPool pool(rows * cols < (1u << 16) ? 1 : threads);
  pool.run([&](int thread, int n) {
    const std::uint64_t begin = rows * thread / n, end = rows * (thread + 1) / n;
    for (std::uint64_t r = begin; r < end; ++r)
      infer::quantize_row(type, values.data() + r * cols, out.data() + r * row, static_cast<std::int64_t>(cols));
  });
  return out;
}

namespace {

int block_count(const gguf::Reader& file, const std::string& arch) {
  const auto it = file.metadata().find(arch + ".block_count");
  if (it == file.metadata().end() || it->second.integer <= 0) return 0;  // plan_types counts the blocks
  return static_cast<int>(it->second.integer);
}

// A GGUF file in, the same model out: metadata copied (the writer sets its own alignment), each
// tensor copied when its type stays, re-encoded through F32 otherwise.
void requantize_gguf(const QuantizeOptions& options, QuantizeResult& result) {
  auto file = std::make_shared<gguf::Reader>(options.model);
  const auto& meta = file->metadata();
  if (const auto a = meta.find("general.architecture"); a != meta.end()) result.architecture = a->second.text;
  std::vector<PlannedTensor> planned;
  for (const auto& t : file->tensors()) {
    if (!gguf::is_known_type(t.type))
      runtime_error("{}: tensor '{}' has ggml type {}, which lmforge cannot quantise from (F32, F16, BF16, Q8_0, Q4_0, "
                    "Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)", options.model.string(), t.name, t.type);
    planned.push_back({t.name, t.ne, static_cast<gguf::TensorType>(t.type)});
  }
  const auto types = plan_types(options.mix, planned, block_count(*file, result.architecture), result.notes);

  gguf::Writer writer;
  for (const auto& key : file->keys()) {
    if (key == "general.alignment") continue;
    writer.set(key, meta.at(key));
  }
  writer.set("general.file_type", gguf::Value::u32(mix_file_type(options.mix)));
  writer.set("general.quantization_version", gguf::Value::u32(2));  // GGML_QNT_VERSION
  std::size_t requantised = 0;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const auto& t = file->tensors()[i];
    const auto type = types[i];
    const int threads = options.threads;
    if (type == planned[i].source) {
      writer.add_tensor(t.name, t.ne, type, [file, &t] { return file->read_bytes(t); });
      continue;
    }
    const auto source = planned[i].source;
    if (source != gguf::TensorType::F32 && source != gguf::TensorType::F16 && source != gguf::TensorType::BF16)
      ++requantised;
    writer.add_tensor(t.name, t.ne, type,
                      [file, &t, type, threads] { return encode_rows(file->read_floats(t), t.ne[0], type, threads); });
  }
  if (requantised)
    result.notes.push_back(fmt::format("{} tensors were already quantised: they went through F32, so their error adds "
                                       "to the new one (quantise from the float model where you have it)", requantised));
  writer.write(options.out);
}

}  // namespace

QuantizeResult quantize_model(const QuantizeOptions& options) {
  std::error_code ec;
  if (!fs::exists(options.model, ec)) usage_error("{}: no such file or directory", options.model.string());
  if (fs::equivalent(options.model, options.out, ec))
    usage_error("{}: the output must not be the input", options.out.string());
  QuantizeResult result;
  if (fs::is_directory(options.model)) {
    GgufExportOptions e;
    e.model = options.model;
    e.out = options.out;
    e.mix = options.mix;
    e.threads = options.threads;
    auto exported = export_gguf(e);
    result.architecture = exported.architecture;
    result.notes = std::move(exported.notes);
  } else {
    requantize_gguf(options, result);
  }
  const gguf::Reader written(options.out);
  for (const auto& t : written.tensors()) {
    auto& total = result.by_type[std::string(gguf::type_name(static_cast<gguf::TensorType>(t.type)))];
    ++total.tensors;
    total.bytes += t.bytes;
    result.tensor_bytes += t.bytes;
  }
  result.file_bytes = written.file_size();
  return result;
}

}  // namespace lmforge::exporting
