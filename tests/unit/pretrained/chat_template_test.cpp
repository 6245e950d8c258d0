// Hugging Face chat templates: the strings our renderer makes equal transformers'
// apply_chat_template(add_generation_prompt=True) for the real Qwen2, Llama 3, Llama 2,
// Mistral and Gemma templates, and the prompt ids equal its tokenize=True (no second bos);
// tools/make_chat_template_fixtures.py wrote the expectations.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/tokenizer/hf_sp_tokenizer.h"
#include "lmforge/serve/chat_template.h"
#include "lmforge/serve/hf_chat_template.h"
#include "lmforge/tokenizer/hf_tokenizer.h"

namespace fs = std::filesystem;
using lmforge::serve::ChatMessage;
using lmforge::serve::ChatTemplate;
using lmforge::serve::HFChatStyle;
using lmforge::serve::HFChatTemplate;

namespace {

fs::path fixtures() { return fs::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/hf"; }

nlohmann::json read(const fs::path& path) {
  nlohmann::json j;
  std::ifstream(path) >> j;
  return j;
}

std::vector<ChatMessage> messages(const nlohmann::json& conversation) {
  std::vector<ChatMessage> out;
  for (const auto& m : conversation) out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  return out;
}

std::string token(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : ""; }

HFChatTemplate detect(const nlohmann::json& t) {
  auto d = HFChatTemplate::detect(t["chat_template"].get<std::string>(), token(t["bos_token"]), token(t["eos_token"]));
  if (!d) throw std::runtime_error("template not recognised");
  return *d;
}

TEST(HFChatTemplate, RendersAsTransformers) {
  const auto templates = read(fixtures() / "chat_templates/templates.json");
  const auto e = read(fixtures() / "chat_templates/expected.json");
  const std::map<std::string, HFChatStyle> styles{{"qwen2", HFChatStyle::kChatML}, {"chatml", HFChatStyle::kChatML},
                                                  {"llama3", HFChatStyle::kLlama3}, {"llama2", HFChatStyle::kLlama2},
                                                  {"mistral", HFChatStyle::kMistral}, {"gemma", HFChatStyle::kGemma}};
  ASSERT_EQ(templates.size(), styles.size());
  for (const auto& [name, style] : styles) {
    const auto t = detect(templates[name]);
    EXPECT_EQ(t.style, style) << name;
    for (std::size_t i = 0; i < e["conversations"].size(); ++i) {
      const auto conversation = messages(e["conversations"][i]);
      const auto& want = e["rendered"][name][i];
      if (want.is_null()) EXPECT_THROW(t.render(conversation), lmforge::UsageError) << name << " conversation " << i;
      else EXPECT_EQ(t.render(conversation), want.get<std::string>()) << name << " conversation " << i;
    }
  }
  EXPECT_EQ(detect(templates["qwen2"]).default_system, "You are a helpful assistant.");
  EXPECT_EQ(detect(templates["chatml"]).default_system, "");
}

TEST(HFChatTemplate, Llama2PromptIdsHaveOneBos) {
  const auto tok = lmforge::tok::HFSentencePieceTokenizer::load(fixtures() / "llama2-tok");
  const auto t = detect(read(fixtures() / "chat_templates/templates.json")["llama2"]);
  const auto e = read(fixtures() / "chat_templates/expected.json");
  for (std::size_t i = 0; i < e["conversations"].size(); ++i) {
    const auto ids = tok->encode_plain(t.render(messages(e["conversations"][i])));
    EXPECT_EQ(ids, e["llama2_ids"][i].get<std::vector<int>>()) << "conversation " << i;
    ASSERT_GE(ids.size(), 2u);
    EXPECT_EQ(ids[0], tok->bos_id());
    EXPECT_NE(ids[1], tok->bos_id());
  }
}

TEST(HFChatTemplate, Qwen2DirectoryPromptIds) {
  const auto dir = fixtures() / "qwen2-chat";
  const auto config = read(dir / "tokenizer_config.json");
  nlohmann::json hf{{"chat_template", config["chat_template"]}, {"bos_token", ""}, {"eos_token", config["eos_token"]}};
  const auto t = ChatTemplate::from_config(nlohmann::json{{"hf", hf}}.dump());
  ASSERT_TRUE(t.hf);
  EXPECT_TRUE(t.stop.empty());
  const auto tok = lmforge::tok::HFTokenizer::load(dir);
  const auto e = read(dir / "expected_chat.json");
  for (std::size_t i = 0; i < e["conversations"].size(); ++i)
    EXPECT_EQ(tok->encode_plain(t.render(messages(e["conversations"][i]))), e["prompt_ids"][i].get<std::vector<int>>())
        << "conversation " << i;
  nlohmann::json request;
  t.add_request_keys(request);
  EXPECT_EQ(request["add_special_tokens"], false);
  EXPECT_EQ(request["stop_tokens"], nlohmann::json::array({"<|im_end|>"}));
}

TEST(HFChatTemplate, UnknownOrMissingTemplateIsAClearError) {
  const auto unknown = ChatTemplate::from_config(R"({"hf": {"chat_template": "{{ messages[0].content }}", "eos_token": "</s>"}})");
  EXPECT_FALSE(unknown.hf);
  EXPECT_NE(unknown.unusable.find("llama3 (<|start_header_id|>)"), std::string::npos) << unknown.unusable;
  EXPECT_THROW(unknown.render({{"user", "hi"}}), lmforge::UsageError);
  const auto base = ChatTemplate::from_config(R"({"hf": {"bos_token": "<s>", "eos_token": "</s>"}})");
  EXPECT_NE(base.unusable.find("no chat_template"), std::string::npos) << base.unusable;
  const auto llama31 = ChatTemplate::from_config(
      R"({"hf": {"chat_template": "<|start_header_id|>Cutting Knowledge Date: {{ date }}", "bos_token": "<|begin_of_text|>"}})");
  EXPECT_NE(llama31.unusable.find("Llama 3.1"), std::string::npos) << llama31.unusable;
  // --chat-template STYLE: the user's choice, with the model's bos / eos.
  const auto chosen = ChatTemplate::choose(R"({"hf": {"bos_token": "<s>", "eos_token": "</s>"}})", "llama2");
  ASSERT_TRUE(chosen.hf);
  EXPECT_EQ(chosen.render({{"user", "hi"}}), "<s>[INST] hi [/INST]");
  // Our own JSON object still works, and a bad one still fails loudly.
  EXPECT_EQ(ChatTemplate::choose("", R"({"user": "Q: {content}\n", "generation_prompt": "A:"})").render({{"user", "x"}}),
            "Q: x\nA:");
  EXPECT_THROW(ChatTemplate::choose("", "not json"), lmforge::RuntimeError);
}

}  // namespace
