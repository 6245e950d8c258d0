// Exporters, read back: our GPT (tools/make_nn_fixtures.py's weights) as a GPT-2 Hugging Face
// directory and as a gpt2 GGUF; the Hugging Face llama fixture as a llama GGUF (q/k permutation,
// BF16 weights, llama3 rope_freqs); tokenizer.json as GGUF vocabulary metadata.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/export/float_weights.h"
#include "lmforge/export/gguf_export.h"
#include "lmforge/export/gguf_reader.h"
#include "lmforge/export/gguf_vocab.h"
#include "lmforge/export/hf_gpt2_export.h"
#include "lmforge/tokenizer/model.h"

namespace fs = std::filesystem;
using namespace lmforge;
using exporting::FloatWeights;

namespace {

const fs::path kSource = LMFORGE_SOURCE_DIR;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fmt::format("lmforge-export-test-{}-{}", getpid(), counter()++);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// Our GPT model directory from the nn fixture's "param.*" tensors (learned positions, biases,
// tied head), optionally with an untied head.
fs::path make_our_gpt(const fs::path& dir, const std::string& fixture, bool untied = false) {
  safetensors::Reader file(kSource / "tests/fixtures/nn" / fixture);
  auto config = nlohmann::json::parse(file.metadata().at("config"));
  config["model_type"] = "gpt";
  std::vector<std::vector<float>> store;
  std::vector<safetensors::TensorView> views;
  for (const auto& [name, info] : file.tensors()) {
    if (name.rfind("param.", 0) != 0) continue;
    store.emplace_back(info.bytes() / 4);
    file.read(info, store.back().data());
    views.push_back({name.substr(6), "F32", info.shape, nullptr});
  }
  if (untied) {
    const auto wte = std::find_if(views.begin(), views.end(), [](auto& v) { return v.name == "wte.weight"; });
    std::vector<float> head = store[wte - views.begin()];
    for (auto& x : head) x = -2 * x + 0.125f;
    views.push_back({"lm_head.weight", "F32", wte->shape, nullptr});
    store.push_back(std::move(head));
    config["tie_weights"] = false;
  }
  for (std::size_t i = 0; i < views.size(); ++i) views[i].data = store[i].data();
  fs::create_directories(dir);
  safetensors::write(dir / "model.safetensors", views);
  std::ofstream(dir / "config.json") << config.dump(2);
  return dir;
}

}  // namespace

TEST(HfExport, Gpt2NamesAndConv1DLayouts) {
  TempDir tmp;
  const auto ours = make_our_gpt(tmp.path / "ours", "gpt_learned.safetensors", /*untied=*/true);
  const auto r = exporting::export_gpt2_hf({ours, tmp.path / "hf"});
  EXPECT_FALSE(r.tied);
  const FloatWeights in(ours), out(tmp.path / "hf");
  // c_attn: ours [3C, C] (Linear), GPT-2 [C, 3C] (Conv1D).
  const auto w = in.read("h.1.attn.c_attn.weight", {48, 16});
  const auto t = out.read("transformer.h.1.attn.c_attn.weight", {16, 48});
  for (int o = 0; o < 48; ++o)
    for (int i = 0; i < 16; ++i) ASSERT_EQ(t[i * 48 + o], w[o * 16 + i]);
  EXPECT_EQ(out.read("transformer.h.0.mlp.c_proj.weight", {64, 16}).size(), 1024u);
  EXPECT_EQ(out.read("transformer.h.0.mlp.c_fc.bias"), in.read("h.0.mlp.c_fc.bias"));
  EXPECT_EQ(out.read("transformer.wpe.weight"), in.read("wpe.weight"));
  EXPECT_EQ(out.read("lm_head.weight"), in.read("lm_head.weight"));
  std::ifstream config_file(tmp.path / "hf/config.json");
  const auto config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config["model_type"], "gpt2");
  EXPECT_EQ(config["n_positions"], 8);
  EXPECT_EQ(config["activation_function"], "gelu");
  EXPECT_EQ(config["tie_word_embeddings"], false);
}

TEST(HfExport, RotaryModelIsAUsageError) {
  TempDir tmp;
  const auto ours = make_our_gpt(tmp.path / "rotary", "gpt_rotary.safetensors");
  EXPECT_THROW(exporting::export_gpt2_hf({ours, tmp.path / "hf"}), UsageError);
  EXPECT_FALSE(fs::exists(tmp.path / "hf"));
  EXPECT_THROW(exporting::export_gguf({ours, tmp.path / "m.gguf"}), UsageError);
}

TEST(GgufExport, OurGptAsGpt2) {
  TempDir tmp;
  const auto ours = make_our_gpt(tmp.path / "ours", "gpt_learned.safetensors");
  const FloatWeights in(ours);
  for (auto type : {gguf::TensorType::F32, gguf::TensorType::F16}) {
    const auto path = tmp.path / "m.gguf";
    const auto r = exporting::export_gguf({ours, path, type});
    EXPECT_EQ(r.architecture, "gpt2");
    gguf::Reader g(path);
    const auto& m = g.metadata();
    EXPECT_EQ(m.at("general.architecture").text, "gpt2");
    EXPECT_EQ(m.at("gpt2.context_length").integer, 8);
    EXPECT_EQ(m.at("gpt2.block_count").integer, 2);
    EXPECT_EQ(m.at("gpt2.feed_forward_length").integer, 64);
    EXPECT_EQ(m.at("general.file_type").integer, type == gguf::TensorType::F32 ? 0 : 1);
    EXPECT_EQ(m.at("tokenizer.ggml.tokens").texts.at(36), "<|36|>");
    const auto& qkv = g.tensor("blk.1.attn_qkv.weight");
    EXPECT_EQ(qkv.ne, (std::vector<std::uint64_t>{16, 48}));  // Linear [out, in] is ggml {in, out}
    EXPECT_EQ(qkv.type, static_cast<std::uint32_t>(type));
    EXPECT_EQ(g.tensor("blk.1.attn_qkv.bias").type, 0u);        // 1-D stays F32
    const auto want = in.read("h.1.attn.c_attn.weight"), got = g.read_floats(qkv);
    for (std::size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], std::fabs(want[i]) / 1000 + 1e-7);
    EXPECT_EQ(g.read_floats(g.tensor("position_embd.weight")).size(), 8u * 16u);
    EXPECT_THROW(g.tensor("output.weight"), RuntimeError);     // tied: llama.cpp reuses token_embd
  }
  // Q8_0: rows of 16 values cannot be blocks of 32: F16 with a note, not a broken file.
  const auto r = exporting::export_gguf({ours, tmp.path / "q.gguf", gguf::TensorType::Q8_0});
  EXPECT_FALSE(r.notes.empty());
  gguf::Reader q(tmp.path / "q.gguf");
  EXPECT_EQ(q.tensor("blk.0.attn_qkv.weight").type, 1u);
  EXPECT_EQ(q.tensor("blk.0.ffn_down.weight").type, 8u);      // rows of 64: Q8_0
}

TEST(GgufExport, HfLlamaPermutesQKAndAddsRopeFreqs) {
  TempDir tmp;
  const auto dir = kSource / "tests/fixtures/hf/llama";
  const auto path = tmp.path / "llama.gguf";
  const auto r = exporting::export_gguf({dir, path, gguf::TensorType::F32});
  EXPECT_EQ(r.architecture, "llama");
  gguf::Reader g(path);
  const auto& m = g.metadata();
  EXPECT_EQ(m.at("llama.attention.head_count").integer, 4);
  EXPECT_EQ(m.at("llama.attention.head_count_kv").integer, 2);
  EXPECT_FLOAT_EQ(static_cast<float>(m.at("llama.rope.freq_base").number), 500000.0f);
  EXPECT_EQ(m.at("tokenizer.ggml.eos_token_id").integer, 2);
  const FloatWeights in(dir);
  // k_proj [Hkv * D, C] = [32, 64], D = 16: row (h, pair, i) moves to (h, i, pair).
  const auto k = in.read("model.layers.1.self_attn.k_proj.weight", {32, 64});
  const auto gk = g.read_floats(g.tensor("blk.1.attn_k.weight"));
  for (int h = 0; h < 2; ++h)
    for (int pair = 0; pair < 2; ++pair)
      for (int i = 0; i < 8; ++i)
        for (int c = 0; c < 64; ++c)
          ASSERT_EQ(gk[((h * 8 + i) * 2 + pair) * 64 + c], k[((h * 2 + pair) * 8 + i) * 64 + c]);
  EXPECT_EQ(g.read_floats(g.tensor("blk.0.attn_v.weight")), in.read("model.layers.0.self_attn.v_proj.weight"));
  EXPECT_EQ(g.read_floats(g.tensor("output.weight")), in.read("lm_head.weight"));  // untied in config.json
  // llama3 scaling, factor 8, original context 16 (wavelengths 4..16 blend), theta 5e5, D 16:
  // the first frequency (wavelength 2 pi) is blended, the longest wavelengths are slowed by 8.
  const auto freqs = g.read_floats(g.tensor("rope_freqs.weight"));
  ASSERT_EQ(freqs.size(), 8u);
  const double smooth = (16 / (2 * M_PI) - 1.0) / (4.0 - 1.0);
  EXPECT_NEAR(freqs[0], 1 / ((1 - smooth) / 8 + smooth), 1e-5);
  EXPECT_FLOAT_EQ(freqs[7], 8.0f);

  // qwen2: NeoX rotary, no permutation.
  exporting::export_gguf({kSource / "tests/fixtures/hf/qwen2", tmp.path / "q.gguf", gguf::TensorType::F32});
  gguf::Reader q(tmp.path / "q.gguf");
  EXPECT_EQ(q.metadata().at("general.architecture").text, "qwen2");
  const FloatWeights qin(kSource / "tests/fixtures/hf/qwen2");
  EXPECT_EQ(q.read_floats(q.tensor("blk.0.attn_q.weight")), qin.read("model.layers.0.self_attn.q_proj.weight"));
  EXPECT_EQ(q.read_floats(q.tensor("blk.0.attn_q.bias")), qin.read("model.layers.0.self_attn.q_proj.bias"));
}

TEST(GgufExport, UnsupportedModelTypeIsAUsageError) {
  TempDir tmp;
  fs::create_directories(tmp.path / "bert");
  std::ofstream(tmp.path / "bert/config.json") << R"({"model_type": "bert", "architectures": ["BertModel"]})";
  EXPECT_THROW(exporting::export_gguf({tmp.path / "bert", tmp.path / "b.gguf"}), UsageError);
  EXPECT_THROW(exporting::parse_gguf_type("q4_0"), UsageError);
}

TEST(GgufVocab, FromTokenizerJson) {
  const auto v = exporting::vocab_from_tokenizer_json(kSource / "tests/fixtures/hf/tokenizers/llama3.json", 630,
                                                      "llama-bpe", 0, 1);
  ASSERT_EQ(v.tokens.size(), 630u);
  EXPECT_EQ(v.tokens[0], "<|begin_of_text|>");
  EXPECT_EQ(v.types[0], static_cast<std::int64_t>(exporting::TokenType::Control));
  EXPECT_EQ(v.types[100], static_cast<std::int64_t>(exporting::TokenType::Normal));
  EXPECT_EQ(v.tokens[625], "[PAD625]");
  EXPECT_EQ(v.types[625], static_cast<std::int64_t>(exporting::TokenType::Unused));
  EXPECT_EQ(v.merges.size(), 361u);
  EXPECT_NE(v.merges[0].find(' '), std::string::npos);
  EXPECT_TRUE(v.add_bos);  // Llama 3's post-processor prepends <|begin_of_text|>
  EXPECT_THROW(exporting::vocab_from_tokenizer_json(kSource / "tests/fixtures/hf/tokenizers/llama3.json", 100,
                                                    "llama-bpe", 0, 1),
               RuntimeError);  // ids past the model's vocabulary
}

TEST(GgufVocab, FromOurTokenizerSpec) {
  tok::ModelSpec spec;
  spec.type = tok::ModelType::kChar;
  spec.normalizer.name = "nfkc";
  spec.pieces = {{"<unk>", 0, tok::PieceType::kUnknown}, {"<s>", 0, tok::PieceType::kControl},
                 {"</s>", 0, tok::PieceType::kControl}, {"\xE2\x96\x81", -1, tok::PieceType::kNormal},
                 {"a", -2, tok::PieceType::kNormal}};
  std::vector<std::string> notes;
  const auto v = exporting::vocab_from_spec(spec, 7, notes);
  EXPECT_EQ(v.model, "llama");
  EXPECT_EQ(v.tokens, (std::vector<std::string>{"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "[PAD5]", "[PAD6]"}));
  EXPECT_EQ(v.types, (std::vector<std::int64_t>{2, 3, 3, 1, 1, 5, 5}));
  EXPECT_EQ(v.scores[4], -2);
  EXPECT_EQ(v.unk_id, 0);
  EXPECT_EQ(v.eos_id, 2);
  EXPECT_TRUE(v.add_space_prefix);
  EXPECT_EQ(notes.size(), 3u);  // nfkc, extra whitespace, no byte pieces
  EXPECT_THROW(exporting::vocab_from_spec(spec, 4, notes), RuntimeError);
}
