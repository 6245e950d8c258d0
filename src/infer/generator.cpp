// A CausalModel with its tokenizer answering GenerationRequests (see generator.h).
#include "lmforge/infer/generator.h"

#include <algorithm>
#include <random>

#include "lmforge/common/error.h"

namespace lmforge::infer {

Generator::Generator(const std::filesystem::path& path, const LoadOptions& options)
    : Generator(load_causal_model(path, options), open_model_source(path)) {}

Generator::Generator(std::unique_ptr<CausalModel> model, ModelSource source)
    : model_(std::move(model)), source_(std::move(source)) {
  eos_ids_ = model_->info().eos_ids;
  for (int id : source_.eos_ids) eos_ids_.push_back(id);
  if (source_.tokenizer && source_.tokenizer->eos_id() >= 0) eos_ids_.push_back(source_.tokenizer->eos_id());
  std::sort(eos_ids_.begin(), eos_ids_.end());
  eos_ids_.erase(std::unique(eos_ids_.begin(), eos_ids_.end()), eos_ids_.end());
}

std::vector<int> Generator::prompt_ids(const GenerationRequest& r) const {
  const auto* tokenizer = source_.tokenizer.get();
  if (r.has_prompt_ids) return r.prompt_ids;
  if (!tokenizer)
    runtime_error("no tokenizer for {}: expected tokenizer.lmtok or tokenizer.model there, tokenizer.json in a "
                  "Hugging Face directory, or a train_config.json whose data directory names one (prompt_ids work "
                  "without one)",
                  source_.path.string());
  std::vector<int> ids = r.add_special_tokens ? tokenizer->encode(r.prompt) : tokenizer->encode_plain(r.prompt);
  const int bos = info().bos_id >= 0 ? info().bos_id : tokenizer->bos_id();
  // The model's convention (a GGUF file's add_bos_token, Llama's tokenizer) when the tokenizer
  // did not add it; an empty prompt starts with bos when there is one (add_bos).
  const bool starts_with_bos = !ids.empty() && ids.front() == bos;
  if (bos >= 0 && !starts_with_bos && ((r.add_special_tokens && info().add_bos) || (ids.empty() && r.add_bos)))
    ids.insert(ids.begin(), bos);
  return ids;
}

DecodeOptions Generator::decode_options(const GenerationRequest& r) const {
  r.validate();
  if (r.has_seq2seq_keys && (r.beam_size > 1 || r.n_best > 1 || r.return_attention))
    usage_error("beam search, n_best and attention are for seq2seq models; this model is a decoder ({})",
                info().family);
  const auto* tokenizer = source_.tokenizer.get();
  DecodeOptions o;
  o.sampling = r.sampling;
  o.max_new_tokens = r.max_new_tokens;
  o.stop = r.stop;
  o.eos_ids = eos_ids_;
  o.ignore_eos = r.ignore_eos;
  o.n = r.n;
  o.logprobs = r.logprobs;
  const std::int64_t seed = r.seed >= 0 ? r.seed : static_cast<std::int64_t>(std::random_device{}() >> 1);
  o.seed = static_cast<std::uint64_t>(seed);
  // A chat template's end-of-turn tokens (<|im_end|>, <|eot_id|>) end generation like eos.
  for (const auto& token : r.stop_tokens) {
    const int id = tokenizer ? tokenizer->piece_to_id(token) : -1;
    if (id < 0 || id == tokenizer->unk_id() || id >= info().vocab_size)
      usage_error("stop token '{}' is not one token of the model's vocabulary", token);
    o.stop_ids.push_back(id);
  }
  return o;
}

GenerationResult Generator::run(const GenerationRequest& r, const TextCallback& on_text) {
  const DecodeOptions o = decode_options(r);
  const auto prompt = prompt_ids(r);
  auto result = decode(*model_, source_.tokenizer.get(), prompt, o, on_text, &model_mutex_);
  result.seed = static_cast<std::int64_t>(o.seed);
  result.return_prompt_ids = r.return_prompt_ids;
  return result;
}

nlohmann::json Generator::describe() const {
  const auto& i = info();
  return {{"model_type", i.family},
          {"source", i.source},
          {"dir", source_.path.string()},
          {"tokenizer", source_.tokenizer_path.string()},
          {"parameters", i.parameters},
          {"context", i.context},
          {"vocab_size", i.vocab_size},
          {"weight_types", i.weight_types},
          {"chat_template", source_.chat_template}};
}

}  // namespace lmforge::infer
