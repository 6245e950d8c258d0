// Prefill, then batched steps over a CausalModel (see decode_loop.h).
#include "lmforge/infer/decode_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "lmforge/common/error.h"
#include "lmforge/infer/text_stream.h"

namespace lmforge::infer {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool contains(const std::vector<int>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

// Every model call under the caller's mutex (when there is one); the sequences this decode
// added are removed on every way out.
class ModelAccess {
 public:
  ModelAccess(CausalModel& model, std::mutex* mutex) : model_(model), mutex_(mutex) {}
  template <typename Fn>
  auto call(Fn&& fn) {
    if (!mutex_) return fn();
    std::lock_guard lock(*mutex_);
    return fn();
  }
  ~ModelAccess() {
    for (auto s : sequences_) {
      try {
        call([&] { model_.remove_sequence(s); });
      } catch (...) {  // a destructor must not throw; the sequence is lost, nothing else
      }
    }
  }
  SequenceId add() {
    const auto s = call([&] { return model_.add_sequence(); });
    sequences_.push_back(s);
    return s;
  }

 private:
  CausalModel& model_;
  std::mutex* mutex_;
  std::vector<SequenceId> sequences_;
};

}  // namespace

double log_softmax_at(std::span<const float> logits, int id) {
  const float top = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - top);
  return static_cast<double>(logits[id]) - top - std::log(sum);
}

GenerationResult decode(CausalModel& model, const tok::Tokenizer* tokenizer, std::span<const int> prompt,
                        const DecodeOptions& o, const TextCallback& on_text, std::mutex* model_mutex) {
  o.sampling.validate();
  if (o.max_new_tokens < 1) usage_error("max_new_tokens must be >= 1, got {}", o.max_new_tokens);
  if (o.n < 1) usage_error("n (samples per prompt) must be >= 1, got {}", o.n);
  if (!tokenizer && !o.stop.empty()) usage_error("stop strings need the model's tokenizer, and none was found");
  const auto& info = model.info();
  const auto vocab = static_cast<std::size_t>(info.vocab_size);
  if (prompt.empty()) usage_error("the prompt is empty");
  if (static_cast<std::int64_t>(prompt.size()) > info.context)
    usage_error("the prompt has {} tokens but the model's context is {}: shorten it (or raise --ctx-size)",
                prompt.size(), info.context);
  for (int id : prompt)
    if (id < 0 || static_cast<std::size_t>(id) >= vocab)
      usage_error("prompt token id {} is outside the model's vocabulary ({})", id, vocab);

  const int n = o.n;
  GenerationResult out;
  out.samples.resize(n);
  out.prompt_ids.assign(prompt.begin(), prompt.end());
  out.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  std::vector<Sampler> samplers;
  std::vector<std::unique_ptr<TextStream>> streams;
  for (int i = 0; i < n; ++i) {
    samplers.emplace_back(o.sampling, o.seed + static_cast<std::uint64_t>(i));
    if (tokenizer) streams.push_back(std::make_unique<TextStream>(*tokenizer, o.stop, prompt));
  }
  std::vector<std::vector<int>> history(n, std::vector<int>(prompt.begin(), prompt.end()));
  std::vector<char> live(n, 1);
  int remaining = n;
  bool cancelled = false;
  auto emit = [&](int i, const std::string& text) {
    if (!text.empty() && on_text && !cancelled && !on_text(i, text)) cancelled = true;
  };

  ModelAccess access(model, model_mutex);
  const auto start = std::chrono::steady_clock::now();
  std::vector<SequenceId> seq(n);
  seq[0] = access.add();
  std::vector<float> logits;
  access.call([&] {
    const BatchItem item{seq[0], prompt, false};
    model.forward(std::span(&item, 1), logits);
  });
  for (int i = 1; i < n; ++i) {
    seq[i] = access.add();
    access.call([&] { model.copy_sequence(seq[0], seq[i], static_cast<std::int64_t>(prompt.size())); });
  }
  out.prompt_seconds = seconds_since(start);

  // rows[i]: the row of `logits` holding sample i's next-token logits (all share the prefill's).
  std::vector<std::size_t> rows(n, 0);
  std::vector<float> row(vocab);
  std::vector<int> next(n, 0);
  std::vector<BatchItem> batch;
  const auto gen_start = std::chrono::steady_clock::now();
  std::int64_t length = static_cast<std::int64_t>(prompt.size());
  for (std::int64_t step = 0; step < o.max_new_tokens && remaining > 0 && !cancelled; ++step) {
    for (int i = 0; i < n; ++i) {
      if (!live[i]) continue;
      const std::span<const float> l(logits.data() + rows[i] * vocab, vocab);
      row.assign(l.begin(), l.end());
      auto& sample = out.samples[i];
      const int id = samplers[i].sample(row, history[i], sample.tokens);
      const double lp = log_softmax_at(l, id);
      sample.logprob += lp;
      if (o.logprobs) sample.token_logprobs.push_back(lp);
      next[i] = id;
      ++out.generated_tokens;
      if (contains(o.stop_ids, id) || (!o.ignore_eos && contains(o.eos_ids, id))) {
        live[i] = 0, --remaining, sample.finish_reason = "stop";
        continue;
      }
      sample.tokens.push_back(id);
      history[i].push_back(id);
      if (tokenizer) {
        emit(i, streams[i]->push(id));
        if (streams[i]->stopped()) live[i] = 0, --remaining, sample.finish_reason = "stop";
      }
    }
    if (remaining == 0 || cancelled || step + 1 == o.max_new_tokens) break;
    if (length + 1 > info.context) break;  // the context is full: "length"
    batch.clear();
    for (int i = 0; i < n; ++i)
      if (live[i]) {
        rows[i] = batch.size();
        batch.push_back(BatchItem{seq[i], std::span<const int>(&next[i], 1), false});
      }
    access.call([&] { model.forward(batch, logits); });
    ++length;
  }
  for (int i = 0; i < n; ++i) {
    auto& sample = out.samples[i];
    if (tokenizer) {
      if (!streams[i]->stopped()) emit(i, streams[i]->finish());
      sample.text = streams[i]->text();
    }
    if (sample.finish_reason.empty()) sample.finish_reason = cancelled ? "cancelled" : "length";
  }
  out.generate_seconds = seconds_since(gen_start);
  out.seed = static_cast<std::int64_t>(o.seed);
  return out;
}

}  // namespace lmforge::infer
