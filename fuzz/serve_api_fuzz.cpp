// The OpenAI request bodies as `lmforge serve` sees them, without a socket: the JSON parser
// with its UTF-8 and depth checks, the completion and chat plans (every field's validation),
// the response builders over a plan, and the chat template configs (the first byte picks which).
// Only the API's own 4xx errors (ApiError) and lmforge's one-line errors are accepted outcomes.
#include "fuzz_support.h"
#include "lmforge/serve/openai_api.h"

namespace {

using nlohmann::json;
using namespace lmforge;

// One result per request of the plan, shaped as the generation session returns it.
std::vector<json> fake_results(const serve::GenerationPlan& plan) {
  std::vector<json> results;
  for (std::size_t i = 0; i < plan.requests.size(); ++i) {
    json samples = json::array();
    for (int s = 0; s < plan.n; ++s) samples.push_back({{"text", " ok"}, {"tokens", {1}}, {"finish_reason", "stop"}});
    results.push_back({{"prompt_tokens", 3}, {"samples", samples}, {"seed", 1}});
  }
  return results;
}

void respond(const serve::GenerationPlan& plan) {
  const auto ids = serve::new_response_ids(plan.chat, "fuzz");
  serve::completion_response(plan, fake_results(plan), ids).dump();
  if (plan.stream) serve::usage_chunk(plan, ids, serve::usage_json(fake_results(plan))).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        respond(serve::plan_completion(serve::parse_request_body(text), serve::ApiLimits{}));
        break;
      case 1:
        respond(serve::plan_chat(serve::parse_request_body(text), serve::ChatTemplate{}, serve::ApiLimits{}));
        break;
      default: {
        const auto chat_template = serve::ChatTemplate::from_config(std::string(text));
        chat_template.render({{"system", "be brief"}, {"user", "你好"}, {"assistant", "hi"}, {"user", "?"}});
      }
    }
  } catch (const serve::ApiError& e) {
    if (e.status < 400 || e.status >= 500) __builtin_trap();  // bad input is the client's fault: 4xx
  } catch (const UsageError&) {
  } catch (const RuntimeError&) {
  }
  return 0;
}
