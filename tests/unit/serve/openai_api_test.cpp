#include "lmforge/serve/openai_api.h"

#include <gtest/gtest.h>

#include "lmforge/common/error.h"

namespace lmforge::serve {
namespace {

using nlohmann::json;

int status_of(const std::function<void()>& f, std::string* param = nullptr) {
  try {
    f();
  } catch (const ApiError& e) {
    if (param) *param = e.param;
    return e.status;
  }
  return 0;
}

TEST(OpenAiApi, CompletionDefaultsFollowOpenAi) {
  const auto plan = plan_completion(json{{"model", "x"}, {"prompt", "ROMEO:"}}, {});
  ASSERT_EQ(plan.requests.size(), 1u);
  const auto& r = plan.requests[0];
  EXPECT_EQ(r["prompt"], "ROMEO:");
  EXPECT_EQ(r["max_new_tokens"], 16);  // OpenAI's completions default
  EXPECT_EQ(r["temperature"], 1.0);
  EXPECT_EQ(r["top_p"], 1.0);
  EXPECT_EQ(r["seed"], -1);
  EXPECT_FALSE(r.contains("n"));
  EXPECT_FALSE(plan.stream);
}

TEST(OpenAiApi, CompletionParametersReachTheRequest) {
  const auto plan = plan_completion(json{{"prompt", {"a", "b"}}, {"max_tokens", 5}, {"temperature", 0},
                                         {"top_p", 0.5}, {"n", 2}, {"stop", "\n"}, {"seed", 7},
                                         {"presence_penalty", 0.5}, {"frequency_penalty", -0.5},
                                         {"stream", true}, {"stream_options", {{"include_usage", true}}}},
                                    {});
  ASSERT_EQ(plan.requests.size(), 2u);
  EXPECT_EQ(plan.requests[1]["prompt"], "b");
  const auto& r = plan.requests[0];
  EXPECT_EQ(r["max_new_tokens"], 5);
  EXPECT_EQ(r["temperature"], 0.0);
  EXPECT_EQ(r["top_p"], 0.5);
  EXPECT_EQ(r["n"], 2);
  EXPECT_EQ(r["stop"], json({"\n"}));
  EXPECT_EQ(r["seed"], 7);
  EXPECT_EQ(r["presence_penalty"], 0.5);
  EXPECT_EQ(r["frequency_penalty"], -0.5);
  EXPECT_TRUE(plan.stream);
  EXPECT_TRUE(plan.include_usage);
  EXPECT_EQ(plan.n, 2);
}

TEST(OpenAiApi, TokenIdPrompts) {
  auto plan = plan_completion(json{{"prompt", {5, 6, 7}}}, {});
  ASSERT_EQ(plan.requests.size(), 1u);
  EXPECT_EQ(plan.requests[0]["prompt_ids"], json({5, 6, 7}));
  plan = plan_completion(json{{"prompt", {{1, 2}, {3}}}}, {});
  ASSERT_EQ(plan.requests.size(), 2u);
  EXPECT_EQ(plan.requests[1]["prompt_ids"], json({3}));
}

TEST(OpenAiApi, BadParametersAre400NamingTheParameter) {
  ApiLimits limits;
  limits.max_tokens = 100;
  std::string param;
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"max_tokens", 101}}, limits); }, &param), 400);
  EXPECT_EQ(param, "max_tokens");
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"temperature", 2.5}}, limits); }, &param), 400);
  EXPECT_EQ(param, "temperature");
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"top_p", 0}}, limits); }, &param), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"n", 0}}, limits); }, &param), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"max_tokens", "5"}}, limits); }, &param), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"stop", {"a", "b", "c", "d", "e"}}}, limits); }), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"stop", ""}}, limits); }), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"max_tokens", 5}}, limits); }, &param), 400);
  EXPECT_EQ(param, "prompt");
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", 5}}, limits); }), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json::array(), limits); }), 400);
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"max_token", 5}}, limits); }, &param), 400);
  EXPECT_EQ(param, "max_token");  // a typo is not silently ignored
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"logprobs", 2}}, limits); }, &param), 400);
  EXPECT_EQ(param, "logprobs");
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"stream_options", {{"include_usage", true}}}}, limits); }),
            400);
  // null means "default", as OpenAI's clients send it.
  EXPECT_EQ(status_of([&] { plan_completion(json{{"prompt", "x"}, {"logprobs", nullptr}, {"seed", nullptr}}, limits); }), 0);
}

TEST(OpenAiApi, ChatRendersTheTemplateAndAddsItsStops) {
  ChatTemplate t;
  const auto plan = plan_chat(json{{"messages", {{{"role", "system"}, {"content", "Be brief."}},
                                                  {{"role", "user"}, {"content", "Hi"}},
                                                  {{"role", "assistant"}, {"content", "Hello."}},
                                                  {{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Again"}}}}}}},
                                   {"stop", "END"}},
                              t, {});
  ASSERT_EQ(plan.requests.size(), 1u);
  EXPECT_EQ(plan.requests[0]["prompt"], "Be brief.\n\nUser: Hi\nAssistant: Hello.\nUser: Again\nAssistant:");
  EXPECT_EQ(plan.requests[0]["stop"], json({"END", "\nUser:"}));
  EXPECT_EQ(plan.requests[0]["max_new_tokens"], ApiLimits{}.max_tokens);  // chat: up to the cap
  EXPECT_TRUE(plan.chat);
  EXPECT_EQ(status_of([&] { plan_chat(json{{"messages", json::array()}}, t, {}); }), 400);
  EXPECT_EQ(status_of([&] { plan_chat(json{{"messages", {{{"role", "robot"}, {"content", "x"}}}}}, t, {}); }), 400);
  EXPECT_EQ(status_of([&] { plan_chat(json{{"messages", {{{"role", "user"}, {"content", "x"}}}}, {"echo", true}}, t, {}); }),
            400);
}

TEST(OpenAiApi, ChatTemplateFromConfig) {
  const auto t = ChatTemplate::from_config(R"({"user": "<u>{content}</u>", "generation_prompt": "<a>", "stop": ["</a>"]})");
  EXPECT_EQ(t.render({{"user", "hi"}}), "<u>hi</u><a>");
  EXPECT_EQ(t.stop, std::vector<std::string>{"</a>"});
  EXPECT_THROW(ChatTemplate::from_config("not json"), RuntimeError);
  EXPECT_THROW(ChatTemplate::from_config(R"({"usr": "x"})"), RuntimeError);
}

TEST(OpenAiApi, CompletionResponseIndexesChoicesAndCountsUsage) {
  auto plan = plan_completion(json{{"prompt", {"p0", "p1"}}, {"n", 2}, {"echo", true}}, {});
  auto sample = [](const char* text, int tokens, const char* finish) {
    return json{{"text", text}, {"tokens", std::vector<int>(tokens, 1)}, {"finish_reason", finish}};
  };
  std::vector<json> results{{{"prompt_tokens", 2}, {"samples", {sample("a", 1, "stop"), sample("bb", 2, "length")}}},
                            {{"prompt_tokens", 3}, {"samples", {sample("c", 1, "cancelled"), sample("", 0, "stop")}}}};
  const auto r = completion_response(plan, results, {"cmpl-1", 10, "m"});
  EXPECT_EQ(r["object"], "text_completion");
  ASSERT_EQ(r["choices"].size(), 4u);
  EXPECT_EQ(r["choices"][1]["text"], "p0bb");
  EXPECT_EQ(r["choices"][1]["finish_reason"], "length");
  EXPECT_EQ(r["choices"][2]["index"], 2);
  EXPECT_EQ(r["choices"][2]["finish_reason"], "length");  // cancelled (timeout) reads as length
  EXPECT_EQ(r["usage"], json({{"prompt_tokens", 5}, {"completion_tokens", 4}, {"total_tokens", 9}}));
}

TEST(OpenAiApi, ChatResponseTrimsTheLeadingSpace) {
  auto plan = plan_chat(json{{"messages", {{{"role", "user"}, {"content", "x"}}}}}, ChatTemplate{}, {});
  std::vector<json> results{
      {{"prompt_tokens", 4}, {"samples", {{{"text", "  Hello"}, {"tokens", {1, 2}}, {"finish_reason", "stop"}}}}}};
  const auto r = completion_response(plan, results, {"chatcmpl-1", 10, "m"});
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["choices"][0]["message"], json({{"role", "assistant"}, {"content", "Hello"}}));
  LeadingSpaceTrimmer trim;
  EXPECT_EQ(trim(" "), "");
  EXPECT_EQ(trim(" a"), "a");
  EXPECT_EQ(trim(" b"), " b");
}

TEST(OpenAiApi, StreamChunks) {
  const ResponseIds ids{"x", 1, "m"};
  const auto c = completion_chunk(ids, 1, "hi", "");
  EXPECT_EQ(c["choices"][0]["text"], "hi");
  EXPECT_TRUE(c["choices"][0]["finish_reason"].is_null());
  const auto d = chat_chunk(ids, 0, json::object(), "stop");
  EXPECT_EQ(d["object"], "chat.completion.chunk");
  EXPECT_EQ(d["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(sse_event(json{{"a", 1}}), "data: {\"a\":1}\n\n");
}

TEST(OpenAiApi, RequestBodiesAreCheckedBeforeParsing) {
  EXPECT_EQ(parse_request_body(R"({"a": "[[[["})")["a"], "[[[[");
  EXPECT_EQ(status_of([] { parse_request_body("{"); }), 400);
  EXPECT_EQ(status_of([] { parse_request_body(std::string(100000, '[')); }), 400);
  EXPECT_EQ(status_of([] { parse_request_body("{\"a\": \"\xff\"}"); }), 400);
  const auto e = error_json(ApiError(429, "rate_limit_error", "queue_full", "busy"));
  EXPECT_EQ(e["error"]["message"], "busy");
  EXPECT_EQ(e["error"]["type"], "rate_limit_error");
  EXPECT_TRUE(e["error"]["param"].is_null());
}

}  // namespace
}  // namespace lmforge::serve
