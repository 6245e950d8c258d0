// Fine-tuning against PyTorch (tools/make_finetune_fixtures.py wrote tests/fixtures/finetune/):
// the loss and the gradients of LoRA's A / B and of base weights under full fine-tuning, on the
// tiny random GPT-2 (Conv1D, tied embeddings) and Llama (GQA, llama3 rope, bf16 shards) of
// tests/fixtures/hf/; LoRA's initialisation; merging; the chat rendering the loss mask rests on.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/finetune/finetune.h"
#include "lmforge/finetune/finetune_data.h"
#include "lmforge/finetune/finetune_task.h"
#include "lmforge/finetune/trainable_decoder.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/weights.h"
#include "lmforge/pretrained/causal_lm.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace fs = std::filesystem;
using namespace lmforge;
using finetune::LoraConfig;
using finetune::TrainableDecoder;

namespace {

fs::path hf_fixture(const std::string& name) { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf" / name; }

nn::SafetensorsFile golden(const std::string& name) {
  auto file = nn::read_safetensors(fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/finetune" / (name + ".safetensors"));
  EXPECT_EQ(file.metadata["magic"], "lmforge-finetune-fixture") << "regenerate: " << file.metadata["regenerate"];
  EXPECT_EQ(file.metadata["version"], "1");
  return file;
}

LoraConfig fixture_lora() {
  LoraConfig lora;
  lora.r = 2;
  lora.alpha = 8;
  lora.dropout = 0;
  lora.target_modules = {"all-linear"};
  return lora;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, LoraLossAndGradientsMatchPyTorch) {
  auto base = pretrained::CausalLM::load(hf_fixture(GetParam()));
  auto g = golden(GetParam());
  const auto lora = fixture_lora();
  TrainableDecoder model(*base, &lora);
  model->eval();
  auto params = model->named_parameters();
  std::size_t set = 0;
  {
    torch::NoGradGuard no_grad;
    for (auto& item : params) {
      const auto key = "lora." + item.key();
      ASSERT_TRUE(g.tensors.count(key)) << "no golden value for parameter " << item.key();
      item.value().copy_(g.tensors.at(key));
      ++set;
    }
  }
  EXPECT_EQ(set * 1, static_cast<std::size_t>(std::count_if(g.tensors.begin(), g.tensors.end(), [](const auto& kv) {
              return kv.first.rfind("lora.", 0) == 0;
            })));
  auto loss = finetune::next_token_loss(model->forward(g.tensors.at("tokens")), g.tensors.at("labels"));
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), g.tensors.at("lora_loss").item<double>(), 1e-5);
  double worst = 0;
  for (auto& item : params) {
    const auto& want = g.tensors.at("lora_grad." + item.key());
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_GT(want.abs().max().item<double>(), 1e-6) << item.key() << ": the golden gradient is zero";
    const double diff = max_diff(item.value().grad(), want) / std::max(1e-3, want.abs().max().item<double>());
    worst = std::max(worst, diff);
    EXPECT_LT(diff, 1e-4) << item.key();
  }
  std::printf("%s LoRA: %zu tensors, worst relative gradient difference %.3g\n", GetParam().c_str(), params.size(), worst);
  // The base is frozen: it is not a parameter and gets no gradient.
  EXPECT_FALSE(model->weights().embed.requires_grad());
}

TEST_P(Golden, FullFineTuningGradientsMatchPyTorch) {
  auto base = pretrained::CausalLM::load(hf_fixture(GetParam()));
  auto g = golden(GetParam());
  TrainableDecoder model(*base, nullptr);
  model->eval();
  auto loss = finetune::next_token_loss(model->forward(g.tensors.at("tokens")), g.tensors.at("labels"));
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), g.tensors.at("full_loss").item<double>(), 1e-5);
  auto params = model->named_parameters();
  int checked = 0;
  for (const auto& [key, want] : g.tensors) {
    if (key.rfind("full_grad.", 0) != 0) continue;
    const auto name = key.substr(std::string("full_grad.").size());
    ASSERT_TRUE(params.contains(name)) << name << " is not a parameter";
    const double diff = max_diff(params[name].grad(), want) / std::max(1e-3, want.abs().max().item<double>());
    EXPECT_LT(diff, 1e-4) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
  // Every checkpoint weight is a parameter under its Hugging Face name (a tied head is not saved).
  EXPECT_EQ(nn::parameter_count(*model), base->parameter_count());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Golden, ::testing::Values("gpt2", "llama"));

TEST(Lora, StartsAtTheBaseModelWithPeftsInit) {
  auto base = pretrained::CausalLM::load(hf_fixture("llama"));
  LoraConfig lora;  // q_proj, v_proj
  torch::manual_seed(3);
  TrainableDecoder model(*base, &lora);
  model->eval();
  auto params = model->named_parameters();
  ASSERT_EQ(params.size(), 2u * 2u * 2u);  // 2 layers x {q, v} x {A, B}
  const auto& a = params["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"];
  const auto& b = params["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"];
  EXPECT_EQ(a.sizes(), (std::vector<std::int64_t>{8, 64}));
  EXPECT_EQ(b.sizes(), (std::vector<std::int64_t>{64, 8}));  // q_proj: 4 heads x 16 = hidden
  EXPECT_EQ(b.abs().max().item<double>(), 0.0);
  EXPECT_LE(a.abs().max().item<double>(), 1.0 / std::sqrt(64.0));  // kaiming_uniform(a=sqrt(5)): 1/sqrt(fan_in)
  EXPECT_GT(a.abs().max().item<double>(), 0.5 / std::sqrt(64.0));
  auto tokens = torch::tensor({{5, 9, 33, 2, 7}}, torch::kLong);
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_diff(model->forward(tokens), base->forward(tokens)), 1e-5);
}

TEST(Lora, UnknownTargetModuleListsTheValidOnes) {
  auto base = pretrained::CausalLM::load(hf_fixture("gpt2"));
  LoraConfig lora;
  lora.target_modules = {"q_proj"};
  try {
    TrainableDecoder model(*base, &lora);
    FAIL() << "q_proj accepted for gpt2";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: c_attn, c_proj, c_fc"), std::string::npos) << e.what();
  }
}

TEST_P(Golden, MergedDirectoryGivesTheAdaptersLogits) {
  auto base = pretrained::CausalLM::load(hf_fixture(GetParam()));
  auto g = golden(GetParam());
  const auto lora = fixture_lora();
  TrainableDecoder model(*base, &lora);
  model->eval();
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) item.value().copy_(g.tensors.at("lora." + item.key()));
  const fs::path tmp = fs::temp_directory_path() / ("lmforge_merge_test_" + GetParam());
  fs::remove_all(tmp);
  fs::create_directories(tmp / "adapter");
  write_file_atomic(tmp / "adapter/adapter_config.json",
                    finetune::adapter_config_json(lora, model->target_modules(), hf_fixture(GetParam()), base->config())
                        .dump());
  nn::SafetensorsFile adapter;
  adapter.tensors = nn::module_weights(*model);
  nn::write_safetensors(tmp / "adapter/adapter_model.safetensors", adapter);
  finetune::merge_adapter(tmp / "adapter", tmp / "merged", {}, /*f32=*/true);
  auto merged = pretrained::CausalLM::load(tmp / "merged");
  const auto tokens = g.tensors.at("tokens");
  const double diff = max_diff(merged->forward(tokens), model->forward(tokens));
  EXPECT_LT(diff, 1e-4);
  EXPECT_GT(max_diff(merged->forward(tokens), base->forward(tokens)), 1e-2);  // the update is in there
  fs::remove_all(tmp);
}

TEST(FinetuneData, ChatTurnsSplitIntoPromptAndAssistantPieces) {
  auto t = serve::HFChatTemplate::detect("{{ '<|im_start|>' }}", "", "<|im_end|>");
  ASSERT_TRUE(t.has_value());
  const std::vector<serve::ChatMessage> messages{
      {"user", "hi"}, {"assistant", "hello"}, {"user", "2+2?"}, {"assistant", "4"}};
  auto chat = finetune::render_for_training(*t, messages);
  ASSERT_EQ(chat.pieces.size(), 4u);
  EXPECT_EQ(chat.pieces[0], "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(chat.pieces[1], "hello<|im_end|>\n");
  EXPECT_EQ(chat.pieces[2], "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(chat.pieces[3], "4<|im_end|>\n");
}

TEST(FinetuneData, BatchesPadOnTheRightAndMaskNonTargets) {
  finetune::Example a{{5, 6, 7, 8}, {0, 0, 1, 1}}, b{{9, 10}, {0, 1}};
  auto batch = finetune::make_batch({&a, &b});
  EXPECT_TRUE(batch.tokens.equal(torch::tensor({{5, 6, 7, 8}, {9, 10, 0, 0}}, torch::kLong)));
  EXPECT_TRUE(batch.labels.equal(torch::tensor({{-100, -100, 7, 8}, {-100, 10, -100, -100}}, torch::kLong)));
}

}  // namespace

namespace {

TEST(FinetuneData, LossIsOnTheAssistantTurnsOnly) {
  const auto dir = hf_fixture("qwen2-chat");
  auto tokenizer = tok::HFTokenizer::load(dir);
  const auto tc = nlohmann::json::parse(read_file(dir / "tokenizer_config.json"));
  auto chat = serve::HFChatTemplate::detect(tc["chat_template"].get<std::string>(), "", "<|im_end|>");
  ASSERT_TRUE(chat.has_value());
  const fs::path tmp = fs::temp_directory_path() / "lmforge_finetune_data_test.jsonl";
  write_file_atomic(tmp,
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"},"
                    "{\"role\":\"user\",\"content\":\"and?\"},{\"role\":\"assistant\",\"content\":\"你好\"}]}\n"
                    "{\"prompt\":\"2+2=\",\"completion\":\"4\"}\n");
  EXPECT_THROW(finetune::read_jsonl_examples(tmp, *tokenizer, &*chat, 512), RuntimeError);  // one format per file
  write_file_atomic(tmp, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":"
                         "\"hello\"},{\"role\":\"user\",\"content\":\"and?\"},{\"role\":\"assistant\",\"content\":\"你好\"}]}\n");
  auto data = finetune::read_jsonl_examples(tmp, *tokenizer, &*chat, 512);
  ASSERT_EQ(data.examples.size(), 1u);
  const auto& e = data.examples[0];
  std::vector<int> targets, context;
  for (std::size_t i = 0; i < e.ids.size(); ++i) (e.target[i] ? targets : context).push_back(e.ids[i]);
  EXPECT_EQ(tokenizer->decode(targets, /*skip_special_tokens=*/false), "hello<|im_end|>\n你好<|im_end|>\n");
  // The whole example is the template's rendering of the conversation.
  EXPECT_EQ(tokenizer->decode(e.ids, false),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\nand?<|im_end|>\n<|im_start|>assistant\n"
            "你好<|im_end|>\n");
  // Cut at 12 tokens the example holds only the system and user turns: no target left, dropped,
  // and a file with nothing left is an error.
  EXPECT_THROW(finetune::read_jsonl_examples(tmp, *tokenizer, &*chat, 12), RuntimeError);
  fs::remove(tmp);
}

}  // namespace

namespace {

TEST(FinetuneData, PromptCompletionTrainsOnTheCompletionAndEos) {
  auto tokenizer = tok::HFTokenizer::load(hf_fixture("qwen2-chat"));
  const fs::path tmp = fs::temp_directory_path() / "lmforge_finetune_pc_test.jsonl";
  write_file_atomic(tmp, "{\"prompt\":\"2+2=\",\"completion\":\"4\"}\n\n{\"prompt\":\"天\",\"completion\":\"空\"}\n");
  auto data = finetune::read_jsonl_examples(tmp, *tokenizer, /*chat_template=*/nullptr, 64);
  EXPECT_EQ(data.format, "prompt-completion");
  ASSERT_EQ(data.examples.size(), 2u);
  const auto& e = data.examples[0];
  std::vector<int> targets;
  for (std::size_t i = 0; i < e.ids.size(); ++i)
    if (e.target[i]) targets.push_back(e.ids[i]);
  EXPECT_EQ(tokenizer->decode(targets, false), "4<|im_end|>");  // eos is <|im_end|> here
  EXPECT_EQ(tokenizer->decode(e.ids, false), "2+2=4<|im_end|>");
  fs::remove(tmp);
}

TEST(FinetuneData, TextIsCutIntoWindows) {
  auto tokenizer = tok::HFTokenizer::load(hf_fixture("qwen2-chat"));
  const fs::path tmp = fs::temp_directory_path() / "lmforge_finetune_text_test.txt";
  write_file_atomic(tmp, "The quick brown fox jumps over the lazy dog.\n");
  const auto all = tokenizer->encode("The quick brown fox jumps over the lazy dog.\n");
  auto data = finetune::read_text_examples(tmp, *tokenizer, 8);
  const std::size_t total = all.size() + 1;  // + eos
  ASSERT_EQ(data.examples.size(), (total + 7) / 8 - ((total % 8) == 1 ? 1 : 0));
  EXPECT_EQ(data.examples[0].ids.size(), 8u);
  EXPECT_EQ(data.examples[0].target[0], 0);  // nothing precedes a window's first token
  EXPECT_EQ(data.examples[0].target[1], 1);
  write_file_atomic(tmp, "\n\n");
  EXPECT_THROW(finetune::read_text_examples(tmp, *tokenizer, 8), RuntimeError);
  fs::remove(tmp);
}

}  // namespace
