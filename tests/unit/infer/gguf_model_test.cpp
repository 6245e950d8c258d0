// GGUF files through the engine: the Hugging Face fixtures written as F32 GGUF by lmforge's
// exporter (llama arch with llama.cpp's q/k permutation, qwen2) and a GPT-2 GGUF in llama.cpp's
// converter layout, against transformers' logits; bad files fail with one-line errors.
#include <cstdio>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/export/gguf_export.h"
#include "lmforge/export/gguf_writer.h"
#include "lmforge/infer/causal_model.h"
#include "model_fixtures.h"

namespace lmforge::infer {
namespace {

namespace fs = std::filesystem;
using testing::hf_fixture;

constexpr double kTolerance = 1e-4;  // float32 on both sides (the export is exact: F32 / BF16 / F16 -> F32)

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / fmt::format("lmforge_gguf_model_{}_{}", ::getpid(),
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir);
  return dir;
}

std::unique_ptr<CausalModel> load(const fs::path& file) {
  LoadOptions o;
  o.threads = 2;
  return load_causal_model(file, o);
}

fs::path export_fixture(const std::string& name, const fs::path& dir,
                        gguf::TensorType type = gguf::TensorType::F32) {
  exporting::GgufExportOptions o;
  o.model = hf_fixture(name);
  o.out = dir / (name + ".gguf");
  o.type = type;
  o.id_tokens = true;
  exporting::export_gguf(o);
  return o.out;
}

// transformers' GPT-2 fixture in llama.cpp's gpt2 layout (Conv1D weights [in, out] transposed to
// ggml's [out][in] rows; c_attn becomes attn_qkv). `bad_tensor` is written one row short.
fs::path write_gpt2_gguf(const fs::path& out, const std::string& arch = "gpt2", const std::string& bad_tensor = "") {
  const auto w = std::make_shared<exporting::FloatWeights>(hf_fixture("gpt2"));
  const std::int64_t C = 64, V = 320, L = 2, I = 256, ctx = 64;
  gguf::Writer writer;
  using gguf::Value;
  writer.set("general.architecture", Value::string(arch));
  const std::string a = arch + ".";
  writer.set(a + "context_length", Value::u32(ctx));
  writer.set(a + "embedding_length", Value::u32(C));
  writer.set(a + "block_count", Value::u32(L));
  writer.set(a + "feed_forward_length", Value::u32(I));
  writer.set(a + "attention.head_count", Value::u32(4));
  writer.set(a + "attention.layer_norm_epsilon", Value::f32(1e-5f));
  writer.set("tokenizer.ggml.eos_token_id", Value::u32(0));
  // name <- hf (shape [rows, cols] as stored), transposed when a Conv1D weight.
  auto add = [&](const std::string& name, const std::string& hf, std::vector<std::int64_t> shape, bool transpose) {
    std::vector<std::uint64_t> ne(shape.rbegin(), shape.rend());
    if (transpose) std::swap(ne[0], ne[1]);
    const bool bad = name == bad_tensor;
    if (bad) --ne.back();
    writer.add_tensor(name, ne, gguf::TensorType::F32, [w, hf, shape, transpose, bad] {
      auto v = w->read(hf, shape);
      if (transpose) {
        std::vector<float> t(v.size());
        for (std::int64_t r = 0; r < shape[0]; ++r)
          for (std::int64_t c = 0; c < shape[1]; ++c) t[c * shape[0] + r] = v[r * shape[1] + c];
        v = std::move(t);
      }
      if (bad) v.resize(v.size() - static_cast<std::size_t>(transpose ? shape[0] : shape.back()));
      return gguf::encode(v, gguf::TensorType::F32);
    });
  };
  add("token_embd.weight", "transformer.wte.weight", {V, C}, false);
  add("position_embd.weight", "transformer.wpe.weight", {ctx, C}, false);
  for (std::int64_t i = 0; i < L; ++i) {
    const auto h = fmt::format("transformer.h.{}.", i), b = fmt::format("blk.{}.", i);
    add(b + "attn_norm.weight", h + "ln_1.weight", {C}, false);
    add(b + "attn_norm.bias", h + "ln_1.bias", {C}, false);
    add(b + "attn_qkv.weight", h + "attn.c_attn.weight", {C, 3 * C}, true);
    add(b + "attn_qkv.bias", h + "attn.c_attn.bias", {3 * C}, false);
    add(b + "attn_output.weight", h + "attn.c_proj.weight", {C, C}, true);
    add(b + "attn_output.bias", h + "attn.c_proj.bias", {C}, false);
    add(b + "ffn_norm.weight", h + "ln_2.weight", {C}, false);
    add(b + "ffn_norm.bias", h + "ln_2.bias", {C}, false);
    add(b + "ffn_up.weight", h + "mlp.c_fc.weight", {C, I}, true);
    add(b + "ffn_up.bias", h + "mlp.c_fc.bias", {I}, false);
    add(b + "ffn_down.weight", h + "mlp.c_proj.weight", {I, C}, true);
    add(b + "ffn_down.bias", h + "mlp.c_proj.bias", {C}, false);
  }
  add("output_norm.weight", "transformer.ln_f.weight", {C}, false);
  add("output_norm.bias", "transformer.ln_f.bias", {C}, false);
  writer.write(out);
  return out;
}

void expect_parity(CausalModel& model, const std::string& name) {
  const auto e = testing::read_expected(hf_fixture(name));
  const auto logits = testing::all_logits(model, e.input_ids);
  ASSERT_EQ(logits.size(), e.logits.size());
  const double error = testing::relative_error(logits.data(), e.logits.data(), logits.size());
  std::printf("gguf %s: max |logit - transformers| / max |logit| = %.3g\n", name.c_str(), error);
  EXPECT_LT(error, kTolerance) << name;
  EXPECT_EQ(testing::greedy(model, e.input_ids, e.greedy.size()), e.greedy) << name;
}

// mistral is left out: llama.cpp's llama arch has no sliding window (the exporter says so), and
// the fixture's prompt is longer than its window of 8.
class GgufParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufParity, ExportedF32LogitsMatchTransformers) {
  const auto dir = temp_dir();
  auto model = load(export_fixture(GetParam(), dir));
  EXPECT_EQ(model->info().source, "gguf");
  EXPECT_EQ(model->info().weight_types.substr(0, 3), "F32");
  expect_parity(*model, GetParam());
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufParity, ::testing::Values("llama", "llama-linear", "qwen2"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(GgufModel, Q8_0WeightsStayCloseToF32) {
  const auto dir = temp_dir();
  auto model = load(export_fixture("qwen2", dir, gguf::TensorType::Q8_0));
  EXPECT_NE(model->info().weight_types.find("Q8_0 x "), std::string::npos) << model->info().weight_types;
  const auto e = testing::read_expected(hf_fixture("qwen2"));
  const auto logits = testing::all_logits(*model, e.input_ids);
  // Each weight is off by at most half a step of its block (max / 254) and each activation by as
  // much again: the logits move by ~1 % of their scale; a misread block moves them by ~100 %.
  const double error = testing::relative_error(logits.data(), e.logits.data(), logits.size());
  std::printf("gguf qwen2 Q8_0: max |logit - transformers F32| / max |logit| = %.3g\n", error);
  EXPECT_LT(error, 5e-2);
  fs::remove_all(dir);
}

TEST(GgufModel, Gpt2InTheConverterLayoutMatchesTransformers) {
  const auto dir = temp_dir();
  auto model = load(write_gpt2_gguf(dir / "gpt2.gguf"));
  EXPECT_EQ(model->info().family, "gpt2");
  EXPECT_EQ(model->info().eos_ids, std::vector<int>{0});
  expect_parity(*model, "gpt2");
  fs::remove_all(dir);
}

// A RuntimeError whose message is one line and holds every `parts`.
template <typename Fn>
void expect_one_line_error(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error";
  } catch (const RuntimeError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << message << " lacks " << p;
  }
}

TEST(GgufModel, ATruncatedFileIsAOneLineError) {
  const auto dir = temp_dir();
  const auto file = write_gpt2_gguf(dir / "gpt2.gguf");
  fs::resize_file(file, fs::file_size(file) - 1000);
  expect_one_line_error([&] { load(file); }, {file.string()});
  fs::resize_file(file, 100);  // inside the metadata
  expect_one_line_error([&] { load(file); }, {file.string()});
  fs::remove_all(dir);
}

TEST(GgufModel, AWrongShapedTensorIsNamedWithBothShapes) {
  const auto dir = temp_dir();
  const auto file = write_gpt2_gguf(dir / "gpt2.gguf", "gpt2", "blk.1.ffn_down.weight");
  expect_one_line_error([&] { load(file); }, {"blk.1.ffn_down.weight", "[64, 256]", "[63, 256]"});
  fs::remove_all(dir);
}

TEST(GgufModel, AnUnsupportedArchitectureListsTheSupportedOnes) {
  const auto dir = temp_dir();
  const auto file = write_gpt2_gguf(dir / "falcon.gguf", "falcon");
  expect_one_line_error([&] { load(file); }, {"'falcon'", "gpt2, llama, qwen2"});
  fs::remove_all(dir);
}

TEST(GgufModel, AnUnknownTensorTypeIsNamedByItsNumber) {
  const auto dir = temp_dir();
  const auto file = write_gpt2_gguf(dir / "gpt2.gguf");
  // Patch the type field of output_norm.bias's tensor info (name, n_dims, ne[n_dims], type) to 99.
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  const std::string name = "output_norm.bias";
  const auto at = bytes.rfind(name);
  ASSERT_NE(at, std::string::npos);
  const std::uint32_t type = 99;
  f.seekp(static_cast<std::streamoff>(at + name.size() + 4 + 8));  // one dimension
  f.write(reinterpret_cast<const char*>(&type), 4);
  f.close();
  expect_one_line_error([&] { load(file); }, {"output_norm.bias", "99"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lmforge::infer
