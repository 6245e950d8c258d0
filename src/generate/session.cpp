#include "lmforge/generate/session.h"

#include <chrono>
#include <random>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/model_dir.h"
#include "lmforge/generate/seq2seq_decode.h"
#include "lmforge/infer/generation_request.h"
#include "lmforge/infer/text_stream.h"
#include "lmforge/nn/threads.h"
#include "lmforge/nn/weights.h"

namespace lmforge::gen {

struct GenerationSession::Impl {
  LoadedModel model;
};

GenerationSession::GenerationSession(const std::filesystem::path& model_dir, int threads)
    : impl_(std::make_unique<Impl>()) {
  nn::ThreadConfig t;
  t.torch_threads = threads;
  nn::configure_threads(t);
  impl_->model = load_model_dir(model_dir, /*require_tokenizer=*/false);
  if (impl_->model.model_type != "seq2seq")
    usage_error("{}: a decoder-only model runs on the native engine (lmforge/infer), not in the libtorch session",
                model_dir.string());
}

GenerationSession::~GenerationSession() = default;

const std::string& GenerationSession::model_type() const { return impl_->model.model_type; }
const std::string& GenerationSession::chat_template() const { return impl_->model.chat_template; }

nlohmann::json GenerationSession::describe() const {
  const auto& m = impl_->model;
  return {{"model_type", m.model_type},
          {"dir", m.dir.string()},
          {"tokenizer", m.tokenizer_path.string()},
          {"parameters", nn::parameter_count(*m.seq2seq)}};
}

nlohmann::json GenerationSession::run(const nlohmann::json& request, const TextCallback& on_text) {
  auto& m = impl_->model;
  // The one request schema (lmforge/infer/generation_request.h); the decoder-only keys that
  // mean nothing to a seq2seq search are refused rather than ignored.
  const auto r = infer::GenerationRequest::from_json(request);
  if (r.n != 1) usage_error("n (samples per prompt) is for decoder models; seq2seq returns n_best hypotheses");
  if (r.ignore_eos || r.logprobs || !r.stop_tokens.empty())
    usage_error("ignore_eos, logprobs and stop_tokens are for decoder models, not seq2seq");
  const tok::Tokenizer* tokenizer = m.tokenizer.get();
  if (!tokenizer)
    runtime_error("no tokenizer for {}: expected tokenizer.lmtok or tokenizer.model there, or a train_config.json "
                  "whose data directory names one",
                  m.dir.string());
  std::vector<int> prompt = r.prompt_ids;
  if (r.has_prompt) prompt = r.add_special_tokens ? tokenizer->encode(r.prompt) : tokenizer->encode_plain(r.prompt);
  const std::int64_t seed = r.seed >= 0 ? r.seed : static_cast<std::int64_t>(std::random_device{}() >> 1);
  Seq2SeqDecodeOptions options;
  options.max_length = r.max_new_tokens;
  options.sampling = r.sampling;
  options.seed = static_cast<std::uint64_t>(seed);
  options.beam_size = r.beam_size;
  options.length_penalty = r.length_penalty;
  options.n_best = r.n_best;
  options.sample = r.sample;
  options.return_attention = r.return_attention;
  nlohmann::json out;
  out["seed"] = seed;
  if (r.return_prompt_ids) out["prompt_ids"] = prompt;
  // The prompt is the source sentence.
  if (prompt.empty()) usage_error("the source sentence is empty");
  if (tokenizer->bos_id() < 0 || tokenizer->eos_id() < 0)
    runtime_error("seq2seq decoding needs bos and eos tokens; the tokenizer {} has none", m.tokenizer_path.string());
  options.bos_id = tokenizer->bos_id();
  options.eos_id = tokenizer->eos_id();
  // Greedy and sampled decoding stream their text as GPT does (whole characters, stop strings
  // held back); beam search knows its best hypothesis only at the end, so it prints it then.
  const bool streamed = options.beam_size == 1;
  if (!streamed && !r.stop.empty()) usage_error("stop strings work with greedy or sampled decoding, not beam search");
  infer::TextStream stream(*tokenizer, r.stop);
  bool cancelled = false;
  if (streamed)
    options.on_token = [&](std::int64_t, std::int64_t id) {
      const std::string text = stream.push(static_cast<int>(id));
      if (!text.empty() && on_text && !on_text(0, text)) cancelled = true;
      return !cancelled && !stream.stopped();
    };
  const auto start = std::chrono::steady_clock::now();
  auto src = torch::tensor(std::vector<std::int64_t>(prompt.begin(), prompt.end()), torch::kLong).view({1, -1});
  auto hyps = seq2seq_decode(*m.seq2seq, src, options).at(0);
  if (streamed && !stream.stopped() && !cancelled) {
    const std::string rest = stream.finish();
    if (!rest.empty() && on_text) on_text(0, rest);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::int64_t generated = 0;
  for (const auto& h : hyps) {
    std::vector<int> ids(h.tokens.begin(), h.tokens.end());
    const char* reason = cancelled ? "cancelled" : h.finished || (streamed && stream.stopped()) ? "stop" : "length";
    nlohmann::json s{{"text", streamed ? stream.text() : tokenizer->decode(ids)}, {"tokens", ids},
                     {"finish_reason", reason}, {"score", h.normalized_score}};
    if (h.attention.defined() && h.attention.numel() > 0) {
      auto a = h.attention.contiguous();
      std::vector<std::vector<float>> rows;
      for (std::int64_t t = 0; t < a.size(0); ++t)
        rows.emplace_back(a[t].data_ptr<float>(), a[t].data_ptr<float>() + a.size(1));
      s["attention"] = rows;
    }
    generated += static_cast<std::int64_t>(h.tokens.size());
    out["samples"].push_back(std::move(s));
  }
  if (!streamed && on_text && !hyps.empty()) on_text(0, out["samples"][0]["text"].get<std::string>());
  out["prompt_tokens"] = prompt.size();
  out["prompt_ms"] = 0.0;
  out["prompt_tokens_per_second"] = 0.0;
  out["generated_tokens"] = generated;
  out["generate_ms"] = seconds * 1e3;
  out["tokens_per_second"] = seconds > 0 ? generated / seconds : 0.0;
  return out;
}

}  // namespace lmforge::gen
