// GenerationRequest / GenerationResult JSON: the keys lmforge always used, strict types, unknown
// keys named; and the Generator on the toy model (prompt text, stop tokens, describe).
#include <gtest/gtest.h>

#include "fake_causal_model.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/generator.h"
#include "test_tokenizer.h"

namespace lmforge::infer {
namespace {

using testing::byte_id;
using testing::FakeCausalModel;

std::string usage_message(const nlohmann::json& j) {
  try {
    GenerationRequest::from_json(j);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(GenerationRequest, ReadsEveryKeyAndRoundTrips) {
  const auto j = nlohmann::json::parse(R"({"prompt": "Hi", "max_new_tokens": 7, "temperature": 0.5, "top_k": 3,
      "top_p": 0.9, "min_p": 0.05, "repetition_penalty": 1.1, "presence_penalty": 0.2, "frequency_penalty": 0.3,
      "stop": ["\n\n", "END"], "stop_tokens": ["<|im_end|>"], "seed": 42, "n": 2, "ignore_eos": true,
      "logprobs": true, "add_bos": false, "add_special_tokens": false, "return_prompt_ids": true})");
  const auto r = GenerationRequest::from_json(j);
  EXPECT_EQ(r.prompt, "Hi");
  EXPECT_EQ(r.max_new_tokens, 7);
  EXPECT_DOUBLE_EQ(r.sampling.temperature, 0.5);
  EXPECT_EQ(r.sampling.top_k, 3);
  EXPECT_DOUBLE_EQ(r.sampling.min_p, 0.05);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(r.stop_tokens, (std::vector<std::string>{"<|im_end|>"}));
  EXPECT_EQ(r.seed, 42);
  EXPECT_EQ(r.n, 2);
  EXPECT_TRUE(r.ignore_eos && r.logprobs && r.return_prompt_ids);
  EXPECT_FALSE(r.add_bos || r.add_special_tokens || r.has_seq2seq_keys);
  const auto again = GenerationRequest::from_json(r.to_json());
  EXPECT_EQ(again.to_json(), r.to_json());
  EXPECT_EQ(again.stop, r.stop);
  EXPECT_DOUBLE_EQ(again.sampling.frequency_penalty, 0.3);
}

TEST(GenerationRequest, StopMayBeOneStringAndPromptIdsAnArray) {
  const auto r = GenerationRequest::from_json({{"prompt_ids", {1, 2, 3}}, {"stop", "\n"}});
  EXPECT_EQ(r.prompt_ids, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n"}));
  EXPECT_EQ(GenerationRequest::from_json(r.to_json()).prompt_ids, r.prompt_ids);
}

TEST(GenerationRequest, SeqToSeqKeysAreKeptOnlyWhenGiven) {
  const auto r = GenerationRequest::from_json({{"prompt", "x"}, {"beam_size", 4}});
  EXPECT_TRUE(r.has_seq2seq_keys);
  EXPECT_EQ(r.to_json().at("beam_size"), 4);
  EXPECT_FALSE(GenerationRequest::from_json({{"prompt", "x"}}).to_json().contains("beam_size"));
}

TEST(GenerationRequest, ErrorsNameTheKey) {
  EXPECT_NE(usage_message({{"prompt", "x"}, {"temprature", 0}}).find("'temprature'"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"max_new_tokens", "ten"}}).find("'max_new_tokens'"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"top_k", 1.5}}).find("'top_k'"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"ignore_eos", 1}}).find("'ignore_eos'"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"stop", {1}}}).find("'stop'"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"prompt_ids", {1}}}).find("exactly one"), std::string::npos);
  EXPECT_NE(usage_message(nlohmann::json::object()).find("exactly one"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"top_p", 0}}).find("top-p"), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"n", 0}}).find("n "), std::string::npos);
  EXPECT_NE(usage_message({{"prompt", "x"}, {"max_new_tokens", 0}}).find("max_new_tokens"), std::string::npos);
  EXPECT_NE(usage_message(nlohmann::json::array()).find("JSON object"), std::string::npos);
}

TEST(GenerationResult, JsonHasTheTimingKeysAndRoundTrips) {
  GenerationResult r;
  r.samples.push_back({{5, 6}, "ab", "stop", -1.5, {-0.5, -1.0}});
  r.prompt_tokens = 10;
  r.prompt_seconds = 0.5;
  r.generated_tokens = 3;
  r.generate_seconds = 0.25;
  r.seed = 9;
  const auto j = r.to_json();
  EXPECT_DOUBLE_EQ(j.at("prompt_tokens_per_second").get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(j.at("tokens_per_second").get<double>(), 12.0);
  EXPECT_DOUBLE_EQ(j.at("prompt_ms").get<double>(), 500.0);
  EXPECT_FALSE(j.contains("prompt_ids"));
  const auto back = GenerationResult::from_json(j);
  EXPECT_EQ(back.samples[0].tokens, r.samples[0].tokens);
  EXPECT_EQ(back.samples[0].token_logprobs, r.samples[0].token_logprobs);
  EXPECT_EQ(back.to_json(), j);
}

std::unique_ptr<Generator> toy_generator(FakeCausalModel::Rule rule) {
  ModelSource source;
  source.kind = "test";
  source.tokenizer = testing::byte_tokenizer();
  return std::make_unique<Generator>(std::make_unique<FakeCausalModel>(265, 64, std::move(rule)), std::move(source));
}

TEST(Generator, TextPromptStopTokensAndSeedInTheResult) {
  const auto tok = testing::byte_tokenizer();
  const int a = tok->piece_to_id("a"), b = tok->piece_to_id("b");
  const auto prompt = tok->encode("a");
  // After the prompt: a, a, b, a, ...
  auto g = toy_generator([&](const std::vector<int>& h) { return h.size() - prompt.size() == 2 ? b : a; });
  auto request = GenerationRequest::from_json({{"prompt", "a"},
                                               {"temperature", 0},
                                               {"max_new_tokens", 10},
                                               {"stop_tokens", {"b"}},
                                               {"return_prompt_ids", true},
                                               {"seed", 5}});
  const auto r = g->run(request);
  EXPECT_EQ(r.prompt_ids, prompt);
  EXPECT_EQ(r.samples[0].tokens, (std::vector<int>{a, a}));
  EXPECT_EQ(r.samples[0].text, "aa");
  EXPECT_EQ(r.samples[0].finish_reason, "stop");
  EXPECT_EQ(r.seed, 5);
  const auto j = r.to_json();
  EXPECT_EQ(j.at("prompt_ids").get<std::vector<int>>(), prompt);
  EXPECT_EQ(g->describe().at("model_type"), "fake");
}

TEST(Generator, StopTokenNotInTheVocabularyIsAUsageError) {
  auto g = toy_generator(nullptr);
  auto request = GenerationRequest::from_json({{"prompt", "a"}, {"stop_tokens", {"no such token"}}});
  EXPECT_THROW(g->run(request), UsageError);
  request = GenerationRequest::from_json({{"prompt", "a"}, {"beam_size", 3}});
  EXPECT_THROW(g->run(request), UsageError);
}

}  // namespace
}  // namespace lmforge::infer
