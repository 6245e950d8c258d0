// lmforge quantize's library: the per-tensor types of each mix against llama.cpp's rules
// (llama_tensor_get_type) on hand-made tensor tables, threaded encoding equal to one pass, and a
// GGUF file re-quantised end to end (types, copied bytes, values within the format's error,
// metadata kept); the reader on every type and its one-line errors.
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_quantize.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/export/gguf_writer.h"

namespace fs = std::filesystem;
using namespace lmforge;
using namespace lmforge::exporting;
using gguf::TensorType;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fmt::format("lmforge-quantize-test-{}-{}", ::getpid(), std::rand());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// A Llama-shaped tensor table: n_layer blocks of hidden C, FFN F; output.weight when untied.
std::vector<PlannedTensor> llama_table(int n_layer, std::uint64_t C, std::uint64_t F, bool tied) {
  std::vector<PlannedTensor> t = {{"token_embd.weight", {C, 300}}, {"output_norm.weight", {C}}};
  if (!tied) t.push_back({"output.weight", {C, 300}});
  for (int i = 0; i < n_layer; ++i) {
    const auto b = fmt::format("blk.{}.", i);
    for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output"}) t.push_back({b + n + ".weight", {C, C}});
    t.push_back({b + "attn_q.bias", {C}});
    t.push_back({b + "attn_norm.weight", {C}});
    t.push_back({b + "ffn_gate.weight", {C, F}});
    t.push_back({b + "ffn_up.weight", {C, F}});
    t.push_back({b + "ffn_down.weight", {F, C}});
  }
  return t;
}

std::map<std::string, TensorType> plan(QuantMix mix, const std::vector<PlannedTensor>& t,
                                       std::vector<std::string>* notes_out = nullptr) {
  std::vector<std::string> notes;
  const auto types = plan_types(mix, t, 0, notes);
  if (notes_out) *notes_out = notes;
  std::map<std::string, TensorType> by_name;
  for (std::size_t i = 0; i < t.size(); ++i) by_name[t[i].name] = types[i];
  return by_name;
}

TEST(QuantizePlan, Q4KMGivesMoreBitsToTheLayersLlamaCppPicks) {
  // use_more_bits(i, 8): i < 1, i >= 7, or (i - 1) % 3 == 2, so layers 0, 3, 6, 7.
  const auto types = plan(QuantMix::Q4_K_M, llama_table(8, 256, 512, /*tied=*/false));
  for (int i = 0; i < 8; ++i) {
    const bool more = i == 0 || i == 3 || i == 6 || i == 7;
    const auto b = fmt::format("blk.{}.", i);
    EXPECT_EQ(types.at(b + "attn_v.weight"), more ? TensorType::Q6_K : TensorType::Q4_K) << i;
    EXPECT_EQ(types.at(b + "ffn_down.weight"), more ? TensorType::Q6_K : TensorType::Q4_K) << i;
    EXPECT_EQ(types.at(b + "attn_q.weight"), TensorType::Q4_K);
    EXPECT_EQ(types.at(b + "ffn_up.weight"), TensorType::Q4_K);
    EXPECT_EQ(types.at(b + "attn_norm.weight"), TensorType::F32);
    EXPECT_EQ(types.at(b + "attn_q.bias"), TensorType::F32);
  }
  EXPECT_EQ(types.at("output.weight"), TensorType::Q6_K);
  EXPECT_EQ(types.at("token_embd.weight"), TensorType::Q4_K);
  EXPECT_EQ(types.at("output_norm.weight"), TensorType::F32);
}

TEST(QuantizePlan, LayerCountersFollowLayerOrderNotNameOrder) {
  // 12 layers: names sort blk.10 before blk.2, llama.cpp's counters do not.
  const auto types = plan(QuantMix::Q4_K_M, llama_table(12, 256, 256, false));
  // use_more_bits(i, 12): i < 1, i >= 10, (i - 1) % 3 == 2 -> 0, 3, 6, 9, 10, 11.
  for (int i = 0; i < 12; ++i) {
    const bool more = i == 0 || i == 3 || i == 6 || i == 9 || i == 10 || i == 11;
    EXPECT_EQ(types.at(fmt::format("blk.{}.attn_v.weight", i)), more ? TensorType::Q6_K : TensorType::Q4_K) << i;
  }
}

TEST(QuantizePlan, TiedEmbeddingsAreQuantisedAsTheOutput) {
  for (const auto mix : {QuantMix::Q4_K_M, QuantMix::Q4_0, QuantMix::Q6_K})
    EXPECT_EQ(plan(mix, llama_table(2, 256, 256, true)).at("token_embd.weight"), TensorType::Q6_K);
  EXPECT_EQ(plan(QuantMix::Q8_0, llama_table(2, 256, 256, true)).at("token_embd.weight"), TensorType::Q8_0);
  const auto q4 = plan(QuantMix::Q4_0, llama_table(2, 256, 256, false));
  EXPECT_EQ(q4.at("token_embd.weight"), TensorType::Q4_0);
  EXPECT_EQ(q4.at("output.weight"), TensorType::Q6_K);
  EXPECT_EQ(q4.at("blk.1.attn_v.weight"), TensorType::Q4_0);
  EXPECT_EQ(q4.at("blk.1.ffn_down.weight"), TensorType::Q4_0);
}

TEST(QuantizePlan, RowsThatAreNotWholeBlocksFallBackWithANote) {
  // Qwen2-0.5B's hidden size 896 = 3.5 x 256; a 2-D tensor of 48-value rows fits no block type.
  std::vector<PlannedTensor> t = {{"token_embd.weight", {896, 10}}, {"blk.0.attn_v.weight", {896, 128}},
                                  {"blk.0.ffn_down.weight", {4864, 896}}, {"blk.0.ffn_up.weight", {48, 96}},
                                  {"position_embd.weight", {896, 64}}, {"blk.0.attn_q.weight", {896, 896}}};
  std::vector<std::string> notes;
  const auto types = plan(QuantMix::Q4_K_M, t, &notes);
  EXPECT_EQ(types.at("token_embd.weight"), TensorType::Q8_0);     // the output rule: not whole Q4_K blocks
  EXPECT_EQ(types.at("blk.0.attn_v.weight"), TensorType::Q8_0);   // Q6_K -> Q8_0 (llama.cpp too)
  EXPECT_EQ(types.at("blk.0.ffn_down.weight"), TensorType::Q6_K); // 4864 = 19 x 256: Q6_K (layer 0 of 1) fits
  EXPECT_EQ(types.at("blk.0.ffn_up.weight"), TensorType::F16);    // 48 is not 32-divisible either
  EXPECT_EQ(types.at("position_embd.weight"), TensorType::F32);   // never quantised
  EXPECT_EQ(types.at("blk.0.attn_q.weight"), TensorType::Q5_0);   // Q4_K -> Q5_0 (llama.cpp too)
  EXPECT_EQ(notes.size(), 3u);
  const auto q5 = plan(QuantMix::Q5_K_M, t);  // Q5_K -> Q5_1 (llama.cpp too); the rest as q4_k_m
  EXPECT_EQ(q5.at("blk.0.attn_q.weight"), TensorType::Q5_1);
  EXPECT_EQ(q5.at("blk.0.attn_v.weight"), TensorType::Q8_0);
  EXPECT_EQ(q5.at("blk.0.ffn_down.weight"), TensorType::Q6_K);
  const auto q6 = plan(QuantMix::Q6_K, {{"blk.0.ffn_down.weight", {4864, 896}}});
  EXPECT_EQ(q6.at("blk.0.ffn_down.weight"), TensorType::Q6_K);
}

TEST(QuantizePlan, MixNamesAndFileTypes) {
  EXPECT_EQ(parse_quant_mix("Q4_K_M"), QuantMix::Q4_K_M);
  EXPECT_EQ(mix_file_type(QuantMix::Q4_K_M), 15u);
  EXPECT_EQ(mix_file_type(QuantMix::Q4_0), 2u);
  EXPECT_EQ(mix_file_type(QuantMix::Q6_K), 18u);
  EXPECT_EQ(parse_quant_mix("q5_k_m"), QuantMix::Q5_K_M);
  EXPECT_EQ(mix_file_type(QuantMix::Q5_K_M), 17u);
  EXPECT_THROW(parse_quant_mix("q3_k_m"), UsageError);
  const auto f16 = plan(QuantMix::F16, llama_table(1, 64, 64, true));
  EXPECT_EQ(f16.at("token_embd.weight"), TensorType::F16);
  EXPECT_EQ(f16.at("blk.0.attn_norm.weight"), TensorType::F32);
}

std::vector<float> gaussian(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.05f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Quantize, ThreadedEncodingEqualsOnePass) {
  const auto v = gaussian(512 * 256, 3);
  for (const auto type : {TensorType::Q4_K, TensorType::Q6_K, TensorType::Q4_0})
    EXPECT_EQ(encode_rows(v, 512, type, 3), gguf::encode(v, type)) << gguf::type_name(type);
  EXPECT_THROW(encode_rows(v, 500, TensorType::Q8_0, 1), RuntimeError);
}

TEST(Quantize, AGgufFileIsRequantisedTensorByTensor) {
  TempDir tmp;
  const auto embd = gaussian(256 * 64, 1), v = gaussian(256 * 256, 2), down = gaussian(256 * 256, 3);
  const std::vector<float> norm(256, 1.0f);
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::string("llama"));
  w.set("general.alignment", gguf::Value::u32(64));
  w.set("llama.block_count", gguf::Value::u32(1));
  w.add_tensor("token_embd.weight", {256, 64}, TensorType::F16, [&] { return gguf::encode(embd, TensorType::F16); });
  w.add_tensor("blk.0.attn_norm.weight", {256}, TensorType::F32, [&] { return gguf::encode(norm, TensorType::F32); });
  w.add_tensor("blk.0.attn_v.weight", {256, 256}, TensorType::Q8_0, [&] { return gguf::encode(v, TensorType::Q8_0); });
  w.add_tensor("blk.0.ffn_down.weight", {256, 256}, TensorType::F32, [&] { return gguf::encode(down, TensorType::F32); });
  w.write(tmp.path / "in.gguf");

  const auto r = quantize_model({tmp.path / "in.gguf", tmp.path / "out.gguf", QuantMix::Q4_0, 2});
  gguf::Reader out(tmp.path / "out.gguf");
  EXPECT_EQ(out.metadata().at("general.file_type").integer, 2);
  EXPECT_EQ(out.metadata().at("general.quantization_version").integer, 2);
  EXPECT_EQ(out.metadata().at("llama.block_count").integer, 1);
  EXPECT_EQ(out.metadata().count("general.alignment"), 0u);  // the writer aligns to 32
  EXPECT_EQ(out.tensor("token_embd.weight").type, static_cast<std::uint32_t>(TensorType::Q6_K));  // tied output
  EXPECT_EQ(out.tensor("blk.0.attn_norm.weight").type, 0u);
  EXPECT_EQ(out.tensor("blk.0.attn_v.weight").type, static_cast<std::uint32_t>(TensorType::Q4_0));
  EXPECT_EQ(r.by_type.at("Q4_0").tensors, 2u);
  EXPECT_EQ(r.by_type.at("Q4_0").bytes, 2u * 256 * 256 / 32 * 18);
  EXPECT_EQ(r.file_bytes, fs::file_size(tmp.path / "out.gguf"));
  ASSERT_EQ(r.notes.size(), 1u);  // attn_v was Q8_0: requantised through F32
  // The F32 tensor's bytes are exactly ours of its floats; the Q8_0 one's those of its decoded floats.
  EXPECT_EQ(out.read_bytes(out.tensor("blk.0.ffn_down.weight")), gguf::encode(down, TensorType::Q4_0));
  const auto v8 = gguf::decode(gguf::encode(v, TensorType::Q8_0), TensorType::Q8_0, v.size());
  EXPECT_EQ(out.read_bytes(out.tensor("blk.0.attn_v.weight")), gguf::encode(v8, TensorType::Q4_0));
  EXPECT_EQ(out.read_floats(out.tensor("blk.0.attn_norm.weight")), norm);

  // Copied unchanged when the type stays: q8_0 keeps attn_v's bytes.
  quantize_model({tmp.path / "in.gguf", tmp.path / "q8.gguf", QuantMix::Q8_0, 1});
  gguf::Reader q8(tmp.path / "q8.gguf");
  gguf::Reader in(tmp.path / "in.gguf");
  EXPECT_EQ(q8.read_bytes(q8.tensor("blk.0.attn_v.weight")), in.read_bytes(in.tensor("blk.0.attn_v.weight")));

  EXPECT_THROW(quantize_model({tmp.path / "absent.gguf", tmp.path / "x.gguf", QuantMix::Q8_0, 1}), UsageError);
  EXPECT_THROW(quantize_model({tmp.path / "in.gguf", tmp.path / "in.gguf", QuantMix::Q8_0, 1}), UsageError);
}

TEST(GgufReader, RowsThatAreNotWholeBlocksAreOneLineErrors) {
  TempDir tmp;
  const auto v = gaussian(512, 4);
  gguf::Writer w;
  w.add_tensor("t", {256, 2}, TensorType::Q4_K, [&] { return gguf::encode(v, TensorType::Q4_K); });
  w.write(tmp.path / "k.gguf");
  std::string bytes;
  {
    std::ifstream in(tmp.path / "k.gguf", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  gguf::Reader good(tmp.path / "k.gguf");
  const auto back = good.read_floats(good.tensor("t"));
  double err = 0;
  for (std::size_t i = 0; i < v.size(); ++i) err = std::max(err, std::fabs(double(back[i]) - v[i]));
  EXPECT_LT(err, 0.05 * 4 * 2 / 15);  // half a Q4_K step over +-4 sigma (plus the 6-bit scale rounding)
  // ne[0] is stored right after the name: "t" -> 8-byte length, 1 byte, 4-byte dims.
  const auto at = bytes.find(std::string("\x01\x00\x00\x00\x00\x00\x00\x00t", 9)) + 9 + 4;
  auto bad = bytes;
  const std::uint64_t ne0 = 255;
  std::memcpy(bad.data() + at, &ne0, 8);
  std::ofstream(tmp.path / "bad.gguf", std::ios::binary) << bad;
  try {
    gguf::Reader reader(tmp.path / "bad.gguf");
    FAIL() << "a Q4_K row of 255 values was accepted";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("not a whole number of Q4_K blocks of 256"), std::string::npos) << e.what();
  }
  auto unknown = bytes;
  const std::uint32_t type = 10;  // Q2_K: a ggml type lmforge does not read
  std::memcpy(unknown.data() + at + 16, &type, 4);
  std::ofstream(tmp.path / "q2k.gguf", std::ios::binary) << unknown;
  gguf::Reader listed(tmp.path / "q2k.gguf");
  try {
    listed.read_floats(listed.tensor("t"));
    FAIL() << "type 10 was read";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("ggml type 10"), std::string::npos) << e.what();
  }
}

}  // namespace
