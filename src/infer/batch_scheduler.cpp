// Continuous batching: one scheduler thread, one batched forward per step (see batch_scheduler.h).
#include "lmforge/infer/batch_scheduler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>

#include "lmforge/common/error.h"
#include "lmforge/infer/text_stream.h"

namespace lmforge::infer {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
bool contains(const std::vector<int>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

}  // namespace

// One sample of a request: its sequence and the state decode() keeps per sample.
struct Sample {
  SequenceId sequence = -1;
  std::optional<Sampler> sampler;  // seeded at admission
  std::unique_ptr<TextStream> stream;
  std::vector<int> history;  // prompt + accepted tokens; the first sequence_length ones are in the cache
  bool live = true;
  int next = 0;
  std::size_t row = 0;       // its logits row in the last step
};

struct BatchScheduler::Job {
  DecodeOptions options;
  std::vector<int> prompt;
  bool return_prompt_ids = false;
  const tok::Tokenizer* tokenizer = nullptr;

  // Scheduler thread only.
  std::vector<Sample> samples;
  std::int64_t prefilled = 0;   // prompt tokens in the first sample's cache
  bool decoding = false;        // the prompt is in; samples are drawn each step
  std::size_t prefill_row = 0;  // the row of the last prompt chunk in this step (when it ends the prompt)
  bool prefill_done_this_step = false;
  bool fed_this_step = false;   // its samples' tokens are in this step's batch
  std::int64_t step = 0;        // tokens drawn per sample so far
  std::int64_t length = 0;      // positions in each live sample's cache
  int remaining = 0;
  Clock::time_point admitted, generating;
  GenerationResult out;

  // Shared with the caller's thread.
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::pair<int, std::string>> pieces;
  bool done = false;
  std::exception_ptr error;
  std::atomic<bool> cancel{false};

  std::size_t pending() {
    std::lock_guard lock(mutex);
    return pieces.size();
  }
  void emit(int sample, std::string text) {
    if (text.empty()) return;
    {
      std::lock_guard lock(mutex);
      pieces.emplace_back(sample, std::move(text));
    }
    changed.notify_one();
  }
};

// A finished request's first sequence, kept for prefix reuse while its place is not needed.
struct BatchScheduler::Cached {
  SequenceId sequence;
  std::vector<int> tokens;  // what its cache holds
};

std::uint64_t BatchScheduler::kv_bytes_needed(const CausalModel& model, int parallel, std::int64_t context) {
  return static_cast<std::uint64_t>(parallel) * static_cast<std::uint64_t>(context) * model.kv_bytes_per_position();
}

BatchScheduler::BatchScheduler(Generator& generator, BatchSchedulerOptions options)
    : generator_(generator), model_(generator.model()), options_(options) {
  if (options_.parallel < 1) usage_error("batch scheduler: parallel must be >= 1, got {}", options_.parallel);
  if (options_.prefill_chunk < 1) usage_error("batch scheduler: prefill_chunk must be >= 1, got {}", options_.prefill_chunk);
  stats_.batch_size_counts.assign(static_cast<std::size_t>(options_.parallel) + 1, 0);
  stats_.kv_capacity_bytes = kv_bytes_needed(model_, options_.parallel, model_.info().context);
  thread_ = std::thread([this] { loop(); });
}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
}

GenerationResult BatchScheduler::run(const GenerationRequest& request, const TextCallback& on_text) {
  auto job = std::make_shared<Job>();
  job->options = generator_.decode_options(request);
  job->prompt = generator_.prompt_ids(request);
  job->return_prompt_ids = request.return_prompt_ids;
  job->tokenizer = generator_.tokenizer();
  // The checks decode() makes, here so that a bad request fails before it is queued.
  const auto& o = job->options;
  const auto& info = model_.info();
  if (!job->tokenizer && !o.stop.empty()) usage_error("stop strings need the model's tokenizer, and none was found");
  if (job->prompt.empty()) usage_error("the prompt is empty");
  if (static_cast<std::int64_t>(job->prompt.size()) > info.context)
    usage_error("the prompt has {} tokens but the model's context is {}: shorten it (or raise --ctx-size)",
                job->prompt.size(), info.context);
  for (int id : job->prompt)
    if (id < 0 || id >= info.vocab_size)
      usage_error("prompt token id {} is outside the model's vocabulary ({})", id, info.vocab_size);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) runtime_error("batch scheduler: shutting down");
    queue_.push_back(job);
    ++stats_.queued;
  }
  work_.notify_all();

  bool cancelled = false;
  std::unique_lock lock(job->mutex);
  for (;;) {
    job->changed.wait(lock, [&] { return job->done || !job->pieces.empty(); });
    while (!job->pieces.empty()) {
      auto [sample, text] = std::move(job->pieces.front());
      job->pieces.pop_front();
      lock.unlock();
      // As decode(): after a false, nothing more is handed to on_text.
      if (on_text && !cancelled && !on_text(sample, text)) cancelled = true, job->cancel = true;
      lock.lock();
    }
    work_.notify_all();  // a request paused for its text (or cancelled) can go on
    if (job->done && job->pieces.empty()) break;
  }
  if (job->error) std::rethrow_exception(job->error);
  return std::move(job->out);
}

BatchScheduler::Stats BatchScheduler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

int BatchScheduler::held_sequences() const { return reserved_ + static_cast<int>(cache_.size()); }

// Admits the job when its n sequences fit beside the running ones' (cached sequences are evicted
// for room, least recently used first); false: it waits. Its first sequence starts from the
// cached sequence sharing the longest start with the prompt (at least one prompt token is left
// to compute: its logits start the generation): a copy, or that sequence itself when no other
// place is free.
bool BatchScheduler::admit(Job& job) {
  const int n = job.options.n;
  // A request with more samples than `parallel` runs alone (its n sequences decode together).
  const bool alone = n > options_.parallel;
  if (alone ? reserved_ > 0 : reserved_ + n > options_.parallel) return false;
  const auto& prompt = job.prompt;
  Cached* best = nullptr;
  std::int64_t best_length = 0;
  if (options_.prefix_reuse) {
    for (auto& c : cache_) {
      const auto limit = std::min(c->tokens.size(), prompt.size() - 1);
      std::size_t k = 0;
      while (k < limit && c->tokens[k] == prompt[k]) ++k;
      if (static_cast<std::int64_t>(k) > best_length) best = c.get(), best_length = static_cast<std::int64_t>(k);
    }
  }
  // Room for n more: the best match may be taken over as one of them, the others are evicted.
  const int slack = best ? 1 : 0;
  for (std::size_t c = 0; c < cache_.size() && held_sequences() + n > options_.parallel + slack;) {
    if (cache_[c].get() == best) {
      ++c;
      continue;
    }
    model_.remove_sequence(cache_[c]->sequence);
    cache_.erase(cache_.begin() + static_cast<std::ptrdiff_t>(c));
  }
  SequenceId first;
  const auto at = std::find_if(cache_.begin(), cache_.end(), [&](const auto& c) { return c.get() == best; });
  if (best && held_sequences() + n > options_.parallel) {  // take it over
    first = best->sequence;
    model_.truncate_sequence(first, best_length);
    cache_.erase(at);
  } else {
    first = model_.add_sequence();
    if (best) {
      try {
        model_.copy_sequence(best->sequence, first, best_length);
      } catch (...) {
        model_.remove_sequence(first);
        throw;
      }
      std::rotate(at, at + 1, cache_.end());  // most recently used: evicted last
    }
  }
  reserved_ += n;
  const auto& o = job.options;
  job.samples.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& s = job.samples[static_cast<std::size_t>(i)];
    s.sampler.emplace(o.sampling, o.seed + static_cast<std::uint64_t>(i));
    if (job.tokenizer) s.stream = std::make_unique<TextStream>(*job.tokenizer, o.stop, job.prompt);
    s.history = job.prompt;
  }
  job.samples[0].sequence = first;
  job.prefilled = best ? best_length : 0;
  job.remaining = n;
  job.admitted = Clock::now();
  job.out.samples.resize(static_cast<std::size_t>(n));
  job.out.prompt_ids = job.prompt;
  job.out.prompt_tokens = static_cast<std::int64_t>(job.prompt.size());
  std::lock_guard lock(mutex_);
  stats_.reused_prompt_tokens += job.prefilled;
  stats_.sequences = held_sequences();
  return true;
}

void BatchScheduler::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return stopping_ || !queue_.empty() || !running_.empty(); });
      if (stopping_) break;
    }
    // Admissions in arrival order: a request that does not fit holds back the ones after it.
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) break;
        job = queue_.front();
      }
      bool admitted = false;
      try {
        admitted = admit(*job);
      } catch (...) {
        std::lock_guard lock(mutex_);
        queue_.pop_front(), --stats_.queued;
        finish(*job, std::current_exception());
        continue;
      }
      if (!admitted) break;
      std::lock_guard lock(mutex_);
      queue_.pop_front(), --stats_.queued, ++stats_.running;
      running_.push_back(std::move(job));
    }
    if (!running_.empty()) step();
  }
  // Shutting down: running and queued requests end as cancelled.
  for (auto& job : running_) job->cancel = true, finish(*job);
  running_.clear();
  for (auto& job : queue_) finish(*job, std::make_exception_ptr(RuntimeError("batch scheduler: shutting down")));
  queue_.clear();
  for (auto& c : cache_) model_.remove_sequence(c->sequence);
  cache_.clear();
}

// Text pieces a request may have waiting for its caller before its decoding pauses: a client that
// reads slowly holds its own request back (bounded memory, a cancel seen within a few tokens),
// not the batch.
constexpr std::size_t kMaxPendingPieces = 16;

void BatchScheduler::step() {
  const auto vocab = static_cast<std::size_t>(model_.info().vocab_size);
  // Cancelled requests leave before the step (also while prefilling or paused).
  for (auto& job : running_)
    if (job->cancel) finish(*job);
  std::erase_if(running_, [](const auto& job) { return job->done; });
  if (running_.empty()) return;
  std::vector<BatchItem> batch;
  std::int64_t chunk_left = options_.prefill_chunk, prompt_tokens = 0;
  for (auto& job : running_) {
    job->prefill_done_this_step = false;
    job->fed_this_step = false;
    if (job->decoding && job->pending() >= kMaxPendingPieces) continue;  // paused: its caller is behind
    if (job->decoding) {
      job->fed_this_step = true;
      for (auto& s : job->samples)
        if (s.live) {
          s.row = batch.size();
          batch.push_back(BatchItem{s.sequence, std::span<const int>(&s.next, 1), false});
        }
    } else if (chunk_left > 0) {
      const auto total = static_cast<std::int64_t>(job->prompt.size());
      const auto take = std::min(chunk_left, total - job->prefilled);
      job->prefill_row = batch.size();
      batch.push_back(BatchItem{job->samples[0].sequence,
                                std::span<const int>(job->prompt.data() + job->prefilled, static_cast<std::size_t>(take)),
                                false});
      job->prefilled += take;
      job->prefill_done_this_step = job->prefilled == total;
      chunk_left -= take, prompt_tokens += take;
    }
  }
  if (batch.empty()) {  // every request paused: wait for a caller to take its text
    std::unique_lock lock(mutex_);
    work_.wait_for(lock, std::chrono::milliseconds(2));
    return;
  }
  std::vector<float> logits;
  const auto start = Clock::now();
  try {
    model_.forward(batch, logits);
  } catch (...) {  // a fault of the engine: every request of this step fails with it
    const auto error = std::current_exception();
    for (auto& job : running_) finish(*job, error);
    running_.clear();
    return;
  }
  const double seconds = seconds_since(start);
  {
    std::lock_guard lock(mutex_);
    ++stats_.steps;
    stats_.batch_items += batch.size();
    ++stats_.batch_size_counts[std::min(batch.size(), stats_.batch_size_counts.size() - 1)];
    stats_.prompt_tokens += prompt_tokens;
    (prompt_tokens > 0 ? stats_.prompt_seconds : stats_.decode_seconds) += seconds;
  }

  for (auto& job : running_) {
    if (job->prefill_done_this_step) {
      // The prompt is in: the other samples copy its cache (as decode() does) and every sample
      // draws its first token from the prompt's last row.
      job->out.prompt_seconds = seconds_since(job->admitted);
      job->length = static_cast<std::int64_t>(job->prompt.size());
      for (std::size_t i = 1; i < job->samples.size(); ++i) {
        job->samples[i].sequence = model_.add_sequence();
        model_.copy_sequence(job->samples[0].sequence, job->samples[i].sequence, job->length);
      }
      for (auto& s : job->samples) s.row = job->prefill_row;
      job->decoding = true;
      job->generating = Clock::now();
      sample(*job, logits, vocab);
    } else if (job->fed_this_step) {
      ++job->length;  // the tokens fed this step
      sample(*job, logits, vocab);
    }
  }
  std::vector<std::shared_ptr<Job>> still;
  std::uint64_t positions = 0;
  for (auto& job : running_)
    if (!job->done) {
      if (job->decoding) positions += static_cast<std::uint64_t>(job->length) * job->samples.size();
      else positions += static_cast<std::uint64_t>(job->prefilled);
      still.push_back(std::move(job));
    }
  running_ = std::move(still);
  for (const auto& c : cache_) positions += c->tokens.size();
  std::lock_guard lock(mutex_);
  stats_.kv_bytes = positions * model_.kv_bytes_per_position();
}

// One token per live sample from its logits row, then the end conditions of decode()'s loop.
void BatchScheduler::sample(Job& job, const std::vector<float>& logits, std::size_t vocab) {
  const auto& o = job.options;
  std::vector<float> row(vocab);
  std::int64_t drawn = 0;
  for (std::size_t i = 0; i < job.samples.size(); ++i) {
    auto& s = job.samples[i];
    if (!s.live) continue;
    const std::span<const float> l(logits.data() + s.row * vocab, vocab);
    row.assign(l.begin(), l.end());
    auto& sample = job.out.samples[i];
    const int id = s.sampler->sample(row, s.history, sample.tokens);
    const double lp = log_softmax_at(l, id);
    sample.logprob += lp;
    if (o.logprobs) sample.token_logprobs.push_back(lp);
    s.next = id;
    ++job.out.generated_tokens, ++drawn;
    if (contains(o.stop_ids, id) || (!o.ignore_eos && contains(o.eos_ids, id))) {
      s.live = false, --job.remaining, sample.finish_reason = "stop";
      continue;
    }
    sample.tokens.push_back(id);
    s.history.push_back(id);
    if (s.stream) {
      job.emit(static_cast<int>(i), s.stream->push(id));
      if (s.stream->stopped()) s.live = false, --job.remaining, sample.finish_reason = "stop";
    }
  }
  {
    std::lock_guard lock(mutex_);
    stats_.generated_tokens += drawn;
  }
  ++job.step;
  const bool cancelled = job.cancel;
  if (job.remaining == 0 || cancelled || job.step == o.max_new_tokens || job.length + 1 > model_.info().context)
    finish(job);
}

// Ends a job: the rest of its streamed text, its finish reasons, its sequences released (the
// first one cached for prefix reuse), and the caller woken.
void BatchScheduler::finish(Job& job, std::exception_ptr error) {
  if (!error) {
    const bool cancelled = job.cancel;
    for (std::size_t i = 0; i < job.samples.size(); ++i) {
      auto& s = job.samples[i];
      auto& sample = job.out.samples[i];
      if (s.stream) {
        if (!s.stream->stopped()) job.emit(static_cast<int>(i), s.stream->finish());
        sample.text = s.stream->text();
      }
      if (sample.finish_reason.empty()) sample.finish_reason = cancelled ? "cancelled" : "length";
    }
    if (job.decoding) job.out.generate_seconds = seconds_since(job.generating);
    job.out.seed = static_cast<std::int64_t>(job.options.seed);
    job.out.return_prompt_ids = job.return_prompt_ids;
  }
  release(job);
  {
    std::lock_guard lock(job.mutex);
    job.done = true;
    job.error = error;
  }
  job.changed.notify_all();
}

void BatchScheduler::release(Job& job) {
  if (job.samples.empty()) return;  // never admitted
  for (std::size_t i = 0; i < job.samples.size(); ++i) {
    const SequenceId s = job.samples[i].sequence;
    job.samples[i].sequence = -1;
    if (s < 0) continue;
    try {
      const auto length = model_.sequence_length(s);
      if (i == 0 && options_.prefix_reuse && length > 0) {
        auto cached = std::make_unique<Cached>();
        cached->sequence = s;
        cached->tokens.assign(job.samples[0].history.begin(), job.samples[0].history.begin() + length);
        cache_.push_back(std::move(cached));
      } else {
        model_.remove_sequence(s);
      }
    } catch (...) {  // the sequence is lost; the others are still released
    }
  }
  reserved_ -= static_cast<int>(job.samples.size());
  job.samples.clear();
  std::lock_guard lock(mutex_);
  --stats_.running;
  stats_.sequences = held_sequences();
}

}  // namespace lmforge::infer
