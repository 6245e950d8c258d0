#include "lmforge/generate/session.h"

#include <chrono>
#include <random>

#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/generate/gpt_generate.h"
#include "lmforge/generate/model_dir.h"
#include "lmforge/generate/seq2seq_decode.h"
#include "lmforge/infer/text_stream.h"
#include "lmforge/nn/threads.h"
#include "lmforge/nn/weights.h"
#include "lmforge/pretrained/hf_generate.h"

namespace lmforge::gen {

struct GenerationSession::Impl {
  LoadedModel model;
  std::unique_ptr<pretrained::CausalLM> hf;  // a Hugging Face directory (lmforge/pretrained)
};

GenerationSession::GenerationSession(const std::filesystem::path& model_dir, int threads)
    : impl_(std::make_unique<Impl>()) {
  nn::ThreadConfig t;
  t.torch_threads = threads;
  nn::configure_threads(t);
  if (pretrained::is_hf_model_dir(model_dir) || pretrained::loads_as_lora_adapter(model_dir))
    impl_->hf = pretrained::load_for_generation(model_dir, impl_->model);
  else
    impl_->model = load_model_dir(model_dir, /*require_tokenizer=*/false);
}

GenerationSession::~GenerationSession() = default;

const std::string& GenerationSession::model_type() const { return impl_->model.model_type; }
const std::string& GenerationSession::chat_template() const { return impl_->model.chat_template; }

nlohmann::json GenerationSession::describe() const {
  const auto& m = impl_->model;
  nlohmann::json j{{"model_type", m.model_type}, {"dir", m.dir.string()}, {"tokenizer", m.tokenizer_path.string()}};
  if (impl_->hf) {
    j["parameters"] = impl_->hf->parameter_count();
    j["context"] = impl_->hf->config().max_positions;
  } else if (m.gpt) {
    j["parameters"] = nn::parameter_count(*m.gpt);
    j["context"] = m.gpt->config().block_size;
  } else {
    j["parameters"] = nn::parameter_count(*m.seq2seq);
  }
  return j;
}

namespace {

template <typename T>
T field(const nlohmann::json& value, const char* key) {
  try {
    return value.get<T>();
  } catch (const nlohmann::json::exception&) {
    usage_error("generation request: '{}' has the wrong type ({})", key, value.dump());
  }
}

struct Request {
  std::string prompt;
  bool has_prompt = false;
  std::vector<int> prompt_ids;
  bool has_prompt_ids = false;
  bool add_bos = true;
  bool add_special_tokens = true;         // false: the prompt text already holds bos (a chat template)
  std::vector<std::string> stop_tokens;   // each one token of the vocabulary; generation ends on it
  bool return_prompt_ids = false;
  std::int64_t seed = -1;
  GenerationOptions gpt;
  Seq2SeqDecodeOptions seq2seq;
};

Request parse_request(const nlohmann::json& j) {
  if (!j.is_object()) usage_error("generation request: expected a JSON object, got {}", j.dump());
  Request r;
  for (const auto& [key, v] : j.items()) {
    const char* k = key.c_str();
    if (key == "prompt") r.prompt = field<std::string>(v, k), r.has_prompt = true;
    else if (key == "prompt_ids") r.prompt_ids = field<std::vector<int>>(v, k), r.has_prompt_ids = true;
    else if (key == "max_new_tokens") r.gpt.max_new_tokens = r.seq2seq.max_length = field<std::int64_t>(v, k);
    else if (key == "temperature") r.gpt.sampling.temperature = field<double>(v, k);
    else if (key == "top_k") r.gpt.sampling.top_k = field<int>(v, k);
    else if (key == "top_p") r.gpt.sampling.top_p = field<double>(v, k);
    else if (key == "min_p") r.gpt.sampling.min_p = field<double>(v, k);
    else if (key == "repetition_penalty") r.gpt.sampling.repetition_penalty = field<double>(v, k);
    else if (key == "presence_penalty") r.gpt.sampling.presence_penalty = field<double>(v, k);
    else if (key == "frequency_penalty") r.gpt.sampling.frequency_penalty = field<double>(v, k);
    else if (key == "stop") r.gpt.stop = v.is_string() ? std::vector<std::string>{v.get<std::string>()}
                                                       : field<std::vector<std::string>>(v, k);
    else if (key == "seed") r.seed = field<std::int64_t>(v, k);
    else if (key == "n") r.gpt.n = field<int>(v, k);
    else if (key == "add_bos") r.add_bos = field<bool>(v, k);
    else if (key == "add_special_tokens") r.add_special_tokens = field<bool>(v, k);
    else if (key == "stop_tokens") r.stop_tokens = field<std::vector<std::string>>(v, k);
    else if (key == "return_prompt_ids") r.return_prompt_ids = field<bool>(v, k);
    else if (key == "beam_size") r.seq2seq.beam_size = field<int>(v, k);
    else if (key == "length_penalty") r.seq2seq.length_penalty = field<double>(v, k);
    else if (key == "n_best") r.seq2seq.n_best = field<int>(v, k);
    else if (key == "sample") r.seq2seq.sample = field<bool>(v, k);
    else if (key == "return_attention") r.seq2seq.return_attention = field<bool>(v, k);
    else if (key == "use_kv_cache") r.gpt.use_kv_cache = field<bool>(v, k);
    else usage_error("generation request: unknown key '{}'", key);
  }
  if (r.has_prompt == r.has_prompt_ids) usage_error("generation request: give exactly one of 'prompt' and 'prompt_ids'");
  if (r.seed < 0) r.seed = static_cast<std::int64_t>(std::random_device{}() >> 1);
  r.gpt.seed = r.seq2seq.seed = static_cast<std::uint64_t>(r.seed);
  r.seq2seq.sampling = r.gpt.sampling;
  r.gpt.validate();
  return r;
}

}  // namespace

nlohmann::json GenerationSession::run(const nlohmann::json& request, const TextCallback& on_text) {
  auto& m = impl_->model;
  auto r = parse_request(request);
  const tok::Tokenizer* tokenizer = m.tokenizer.get();
  if (!tokenizer && (r.has_prompt || m.seq2seq))
    runtime_error("no tokenizer for {}: expected tokenizer.lmtok or tokenizer.model there, or a train_config.json "
                  "whose data directory names one (--prompt-ids works without one)",
                  m.dir.string());
  std::vector<int> prompt = r.prompt_ids;
  if (r.has_prompt) {
    prompt = r.add_special_tokens ? tokenizer->encode(r.prompt) : tokenizer->encode_plain(r.prompt);
    if (r.add_bos && tokenizer->bos_id() >= 0 && m.gpt && prompt.empty()) prompt.insert(prompt.begin(), tokenizer->bos_id());
  }
  nlohmann::json out;
  out["seed"] = r.seed;
  if (r.return_prompt_ids) out["prompt_ids"] = prompt;
  if (m.gpt || impl_->hf) {
    if (r.seq2seq.beam_size > 1) usage_error("beam search is for seq2seq models; this model is a GPT");
    r.gpt.eos_id = tokenizer ? tokenizer->eos_id() : -1;
    // A chat template's end-of-turn tokens (<|im_end|>, <|eot_id|>) end generation like eos;
    // our GPT (one eos id) gets them as stop strings.
    std::vector<int> eos_ids = impl_->hf ? impl_->hf->config().eos_ids : std::vector<int>{};
    for (const auto& token : r.stop_tokens) {
      const int id = tokenizer ? tokenizer->piece_to_id(token) : -1;
      if (id < 0 || id == tokenizer->unk_id())
        usage_error("stop token '{}' is not one token of the model's vocabulary", token);
      if (impl_->hf) eos_ids.push_back(id);
      else r.gpt.stop.push_back(token);
    }
    auto result = impl_->hf ? pretrained::generate(*impl_->hf, tokenizer, prompt, r.gpt, eos_ids, on_text)
                            : generate(*m.gpt, tokenizer, prompt, r.gpt, on_text);
    for (const auto& s : result.samples)
      out["samples"].push_back({{"text", s.text}, {"tokens", s.tokens}, {"finish_reason", s.finish_reason},
                                  {"logprob", s.logprob}});
    out["prompt_tokens"] = result.timing.prompt_tokens;
    out["prompt_ms"] = result.timing.prompt_seconds * 1e3;
    out["generated_tokens"] = result.timing.generated_tokens;
    out["generate_ms"] = result.timing.generate_seconds * 1e3;
    out["tokens_per_second"] = result.timing.generate_seconds > 0
                                   ? result.timing.generated_tokens / result.timing.generate_seconds
                                   : 0.0;
    return out;
  }
  // seq2seq: the prompt is the source sentence.
  if (prompt.empty()) usage_error("the source sentence is empty");
  if (tokenizer->bos_id() < 0 || tokenizer->eos_id() < 0)
    runtime_error("seq2seq decoding needs bos and eos tokens; the tokenizer {} has none", m.tokenizer_path.string());
  r.seq2seq.bos_id = tokenizer->bos_id();
  r.seq2seq.eos_id = tokenizer->eos_id();
  // Greedy and sampled decoding stream their text as GPT does (whole characters, stop strings
  // held back); beam search knows its best hypothesis only at the end, so it prints it then.
  const bool streamed = r.seq2seq.beam_size == 1;
  if (!streamed && !r.gpt.stop.empty()) usage_error("stop strings work with greedy or sampled decoding, not beam search");
  infer::TextStream stream(*tokenizer, r.gpt.stop);
  bool cancelled = false;
  if (streamed)
    r.seq2seq.on_token = [&](std::int64_t, std::int64_t id) {
      const std::string text = stream.push(static_cast<int>(id));
      if (!text.empty() && on_text && !on_text(0, text)) cancelled = true;
      return !cancelled && !stream.stopped();
    };
  const auto start = std::chrono::steady_clock::now();
  auto src = torch::tensor(std::vector<std::int64_t>(prompt.begin(), prompt.end()), torch::kLong).view({1, -1});
  auto hyps = seq2seq_decode(*m.seq2seq, src, r.seq2seq).at(0);
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
  out["generated_tokens"] = generated;
  out["generate_ms"] = seconds * 1e3;
  out["tokens_per_second"] = seconds > 0 ? generated / seconds : 0.0;
  return out;
}

}  // namespace lmforge::gen
