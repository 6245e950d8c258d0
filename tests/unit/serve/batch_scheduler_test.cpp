// Continuous batching (infer::BatchScheduler) on a real model (the tiny Qwen2 fixture): requests
// served together in one batch per step give what each gives served alone with the same seed
// (greedy ids exactly), prompts in chunks, prefix reuse, cancel, and the request checks.
#include "lmforge/infer/batch_scheduler.h"

#include <gtest/gtest.h>

#include <thread>

#include "lmforge/common/error.h"

namespace lmforge::infer {
namespace {

const char* kModel = "tests/fixtures/hf/qwen2-chat";

GenerationRequest request(const std::string& prompt, std::int64_t max_new_tokens, double temperature = 0, int n = 1) {
  GenerationRequest r;
  r.prompt = prompt, r.has_prompt = true;
  r.max_new_tokens = max_new_tokens;
  r.sampling.temperature = temperature;
  r.n = n;
  r.seed = 11;
  r.ignore_eos = true;  // long outputs: the batch keeps several sequences for many steps
  return r;
}

struct Served {
  GenerationResult result;
  std::vector<std::string> streamed;  // per sample, what on_text received
};

Served serve(BatchScheduler& scheduler, const GenerationRequest& r) {
  Served s;
  s.streamed.resize(static_cast<std::size_t>(r.n));
  s.result = scheduler.run(r, [&](int sample, std::string_view text) {
    s.streamed[static_cast<std::size_t>(sample)] += text;
    return true;
  });
  return s;
}

void expect_same(const GenerationResult& batched, const GenerationResult& alone, const std::string& what) {
  ASSERT_EQ(batched.samples.size(), alone.samples.size()) << what;
  for (std::size_t i = 0; i < alone.samples.size(); ++i) {
    EXPECT_EQ(batched.samples[i].tokens, alone.samples[i].tokens) << what << " sample " << i;
    EXPECT_EQ(batched.samples[i].text, alone.samples[i].text) << what << " sample " << i;
    EXPECT_EQ(batched.samples[i].finish_reason, alone.samples[i].finish_reason) << what << " sample " << i;
  }
  EXPECT_EQ(batched.prompt_tokens, alone.prompt_tokens) << what;
  EXPECT_EQ(batched.generated_tokens, alone.generated_tokens) << what;
  EXPECT_EQ(batched.seed, alone.seed) << what;
}

TEST(BatchScheduler, ConcurrentRequestsEqualEachServedAlone) {
  Generator generator(kModel, LoadOptions{.threads = 1});
  // Greedy requests of different prompt lengths and output lengths (some end while others run,
  // one has two samples sharing its prompt), and a stop string.
  std::vector<GenerationRequest> requests{
      request("hello world, this is a longer prompt that takes several chunks", 30),
      request("a", 12),
      request("the quick brown fox", 25, 0, 2),
      request("one two three four five six", 7),
      request("zz", 40),
  };
  auto with_stop = request("hello", 30);
  with_stop.stop = {"l"};
  with_stop.ignore_eos = false;
  requests.push_back(with_stop);
  std::vector<GenerationResult> alone;
  for (const auto& r : requests) alone.push_back(generator.run(r));

  BatchScheduler scheduler(generator, {.parallel = 8, .prefill_chunk = 5, .prefix_reuse = false});
  std::vector<Served> batched(requests.size());
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < requests.size(); ++i)
    clients.emplace_back([&, i] { batched[i] = serve(scheduler, requests[i]); });
  for (auto& c : clients) c.join();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    expect_same(batched[i].result, alone[i], "request " + std::to_string(i));
    for (std::size_t s = 0; s < batched[i].streamed.size(); ++s)
      EXPECT_EQ(batched[i].streamed[s], batched[i].result.samples[s].text) << "streamed text of request " << i;
  }
  const auto stats = scheduler.stats();
  std::uint64_t multi = 0;
  for (std::size_t k = 2; k < stats.batch_size_counts.size(); ++k) multi += stats.batch_size_counts[k];
  EXPECT_GT(multi, 0u) << "no step ran more than one sequence";
  EXPECT_GT(stats.batch_items, stats.steps);
  EXPECT_EQ(stats.running, 0);
  EXPECT_EQ(stats.queued, 0);
  std::int64_t generated = 0;
  for (const auto& r : alone) generated += r.generated_tokens;
  EXPECT_EQ(stats.generated_tokens, generated);
}

TEST(BatchScheduler, PrefixReuseGivesTheSameResult) {
  Generator generator(kModel, LoadOptions{.threads = 1});
  const std::string system = "you are a helpful assistant. answer briefly and kindly. ";
  const auto first = request(system + "hi", 10);
  const auto second = request(system + "what is the time", 10);
  const auto alone = generator.run(second);
  BatchScheduler scheduler(generator, {.parallel = 2, .prefill_chunk = 7});
  serve(scheduler, first);
  const auto reused_before = scheduler.stats().reused_prompt_tokens;
  EXPECT_EQ(reused_before, 0);
  const auto s = serve(scheduler, second);
  expect_same(s.result, alone, "after the shared system prompt");
  EXPECT_GE(scheduler.stats().reused_prompt_tokens, static_cast<std::int64_t>(generator.prompt_ids(first).size()) / 2);
  // The same request again: its whole prompt but the last token comes from the cache.
  const auto again = serve(scheduler, second);
  expect_same(again.result, alone, "the same request again");
  // More requests than places: cached sequences are evicted, results unchanged.
  for (int i = 0; i < 3; ++i) expect_same(serve(scheduler, second).result, alone, "evictions");
  EXPECT_LE(scheduler.stats().sequences, 2);
}

TEST(BatchScheduler, CancelEndsOneRequestOnly) {
  Generator generator(kModel, LoadOptions{.threads = 1});
  BatchScheduler scheduler(generator, {.parallel = 4});
  const auto keep = request("keep going", 40);
  const auto alone = generator.run(keep);
  Served kept;
  std::thread other([&] { kept = serve(scheduler, keep); });
  int pieces = 0;
  const auto cancelled = scheduler.run(request("stop me", 200), [&](int, std::string_view) { return ++pieces < 3; });
  other.join();
  EXPECT_EQ(cancelled.samples[0].finish_reason, "cancelled");
  EXPECT_LT(cancelled.samples[0].tokens.size(), 200u);
  EXPECT_EQ(pieces, 3);  // nothing handed over after the false
  expect_same(kept.result, alone, "the request beside the cancelled one");
}

TEST(BatchScheduler, BadRequestsFailBeforeQueueingAndManySamplesRunAlone) {
  Generator generator(kModel, LoadOptions{.threads = 1});
  BatchScheduler scheduler(generator, {.parallel = 2});
  const auto many = request("x", 5, 0.5, 3);  // n above parallel: runs alone
  expect_same(scheduler.run(many), generator.run(many), "n above parallel");
  EXPECT_THROW(scheduler.run(request(std::string(2000, 'x'), 5)), UsageError);  // past the context
  auto no_prompt = request("", 5);
  no_prompt.add_bos = false;
  EXPECT_THROW(scheduler.run(no_prompt), UsageError);
  EXPECT_EQ(scheduler.run(request("x", 3)).samples[0].tokens.size(), 3u);  // still serving
  EXPECT_EQ(BatchScheduler::kv_bytes_needed(generator.model(), 4, 100),
            4u * 100u * generator.model().kv_bytes_per_position());
}

}  // namespace
}  // namespace lmforge::infer
