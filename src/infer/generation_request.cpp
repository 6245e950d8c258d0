// GenerationRequest / GenerationResult <-> JSON: one table of keys, strict types.
#include "lmforge/infer/generation_request.h"

#include "lmforge/common/error.h"

namespace lmforge::infer {

namespace {

template <typename T>
T field(const nlohmann::json& value, const std::string& key) {
  // nlohmann converts 1.5 to int and true to a number silently; a request is typed strictly.
  const bool ok = [&] {
    if constexpr (std::is_same_v<T, bool>) return value.is_boolean();
    else if constexpr (std::is_integral_v<T>) return value.is_number_integer();
    else if constexpr (std::is_floating_point_v<T>) return value.is_number();
    else if constexpr (std::is_same_v<T, std::string>) return value.is_string();
    else return true;
  }();
  if (ok) {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
    }
  }
  usage_error("generation request: '{}' has the wrong type ({})", key, value.dump());
}

std::vector<std::string> strings(const nlohmann::json& v, const std::string& key) {
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) usage_error("generation request: '{}' must be a string or an array of strings, got {}", key, v.dump());
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(field<std::string>(s, key));
  return out;
}

std::vector<int> ints(const nlohmann::json& v, const std::string& key) {
  if (!v.is_array()) usage_error("generation request: '{}' must be an array of token ids, got {}", key, v.dump());
  std::vector<int> out;
  for (const auto& x : v) out.push_back(field<int>(x, key));
  return out;
}

}  // namespace

GenerationRequest GenerationRequest::from_json(const nlohmann::json& j) {
  if (!j.is_object()) usage_error("generation request: expected a JSON object, got {}", j.dump());
  GenerationRequest r;
  for (const auto& [key, v] : j.items()) {
    if (key == "prompt") r.prompt = field<std::string>(v, key), r.has_prompt = true;
    else if (key == "prompt_ids") r.prompt_ids = ints(v, key), r.has_prompt_ids = true;
    else if (key == "max_new_tokens") r.max_new_tokens = field<std::int64_t>(v, key);
    else if (key == "temperature") r.sampling.temperature = field<double>(v, key);
    else if (key == "top_k") r.sampling.top_k = field<int>(v, key);
    else if (key == "top_p") r.sampling.top_p = field<double>(v, key);
    else if (key == "min_p") r.sampling.min_p = field<double>(v, key);
    else if (key == "repetition_penalty") r.sampling.repetition_penalty = field<double>(v, key);
    else if (key == "presence_penalty") r.sampling.presence_penalty = field<double>(v, key);
    else if (key == "frequency_penalty") r.sampling.frequency_penalty = field<double>(v, key);
    else if (key == "stop") r.stop = strings(v, key);
    else if (key == "stop_tokens") r.stop_tokens = strings(v, key);
    else if (key == "seed") r.seed = field<std::int64_t>(v, key);
    else if (key == "n") r.n = field<int>(v, key);
    else if (key == "ignore_eos") r.ignore_eos = field<bool>(v, key);
    else if (key == "logprobs") r.logprobs = field<bool>(v, key);
    else if (key == "add_bos") r.add_bos = field<bool>(v, key);
    else if (key == "add_special_tokens") r.add_special_tokens = field<bool>(v, key);
    else if (key == "return_prompt_ids") r.return_prompt_ids = field<bool>(v, key);
    else if (key == "use_kv_cache") r.use_kv_cache = field<bool>(v, key);
    else if (key == "beam_size") r.beam_size = field<int>(v, key), r.has_seq2seq_keys = true;
    else if (key == "length_penalty") r.length_penalty = field<double>(v, key), r.has_seq2seq_keys = true;
    else if (key == "n_best") r.n_best = field<int>(v, key), r.has_seq2seq_keys = true;
    else if (key == "sample") r.sample = field<bool>(v, key), r.has_seq2seq_keys = true;
    else if (key == "return_attention") r.return_attention = field<bool>(v, key), r.has_seq2seq_keys = true;
    else usage_error("generation request: unknown key '{}'", key);
  }
  r.validate();
  return r;
}

void GenerationRequest::validate() const {
  if (has_prompt == has_prompt_ids) usage_error("generation request: give exactly one of 'prompt' and 'prompt_ids'");
  if (max_new_tokens < 1) usage_error("max_new_tokens must be >= 1, got {}", max_new_tokens);
  if (n < 1) usage_error("n (samples per prompt) must be >= 1, got {}", n);
  if (beam_size < 1) usage_error("beam_size must be >= 1, got {}", beam_size);
  if (n_best < 1) usage_error("n_best must be >= 1, got {}", n_best);
  for (int id : prompt_ids)
    if (id < 0) usage_error("prompt_ids: {} is not a token id", id);
  sampling.validate();
}

nlohmann::json GenerationRequest::to_json() const {
  nlohmann::json j;
  if (has_prompt) j["prompt"] = prompt;
  if (has_prompt_ids) j["prompt_ids"] = prompt_ids;
  j["max_new_tokens"] = max_new_tokens;
  j["temperature"] = sampling.temperature;
  j["top_k"] = sampling.top_k;
  j["top_p"] = sampling.top_p;
  j["min_p"] = sampling.min_p;
  j["repetition_penalty"] = sampling.repetition_penalty;
  j["presence_penalty"] = sampling.presence_penalty;
  j["frequency_penalty"] = sampling.frequency_penalty;
  if (!stop.empty()) j["stop"] = stop;
  if (!stop_tokens.empty()) j["stop_tokens"] = stop_tokens;
  j["seed"] = seed;
  j["n"] = n;
  if (ignore_eos) j["ignore_eos"] = true;
  if (logprobs) j["logprobs"] = true;
  if (!add_bos) j["add_bos"] = false;
  if (!add_special_tokens) j["add_special_tokens"] = false;
  if (return_prompt_ids) j["return_prompt_ids"] = true;
  if (!use_kv_cache) j["use_kv_cache"] = false;
  if (has_seq2seq_keys) {
    j["beam_size"] = beam_size;
    j["length_penalty"] = length_penalty;
    j["n_best"] = n_best;
    j["sample"] = sample;
    j["return_attention"] = return_attention;
  }
  return j;
}

nlohmann::json GenerationResult::to_json() const {
  nlohmann::json out;
  out["samples"] = nlohmann::json::array();
  for (const auto& s : samples) {
    nlohmann::json j{{"text", s.text}, {"tokens", s.tokens}, {"finish_reason", s.finish_reason}, {"logprob", s.logprob}};
    if (!s.token_logprobs.empty()) j["token_logprobs"] = s.token_logprobs;
    out["samples"].push_back(std::move(j));
  }
  out["prompt_tokens"] = prompt_tokens;
  out["prompt_ms"] = prompt_seconds * 1e3;
  out["prompt_tokens_per_second"] = prompt_seconds > 0 ? static_cast<double>(prompt_tokens) / prompt_seconds : 0.0;
  out["generated_tokens"] = generated_tokens;
  out["generate_ms"] = generate_seconds * 1e3;
  out["tokens_per_second"] = generate_seconds > 0 ? static_cast<double>(generated_tokens) / generate_seconds : 0.0;
  out["seed"] = seed;
  if (return_prompt_ids) out["prompt_ids"] = prompt_ids;
  return out;
}

GenerationResult GenerationResult::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("samples")) runtime_error("generation result: expected an object with 'samples'");
  GenerationResult r;
  try {
    for (const auto& s : j.at("samples")) {
      GenerationSample g;
      g.text = s.value("text", std::string());
      g.tokens = s.value("tokens", std::vector<int>());
      g.finish_reason = s.value("finish_reason", std::string());
      g.logprob = s.value("logprob", 0.0);
      g.token_logprobs = s.value("token_logprobs", std::vector<double>());
      r.samples.push_back(std::move(g));
    }
    r.prompt_tokens = j.value("prompt_tokens", std::int64_t{0});
    r.prompt_seconds = j.value("prompt_ms", 0.0) / 1e3;
    r.generated_tokens = j.value("generated_tokens", std::int64_t{0});
    r.generate_seconds = j.value("generate_ms", 0.0) / 1e3;
    r.seed = j.value("seed", std::int64_t{0});
    if (j.contains("prompt_ids")) r.prompt_ids = j["prompt_ids"].get<std::vector<int>>(), r.return_prompt_ids = true;
  } catch (const nlohmann::json::exception& e) {
    runtime_error("generation result: {}", e.what());
  }
  return r;
}

}  // namespace lmforge::infer
