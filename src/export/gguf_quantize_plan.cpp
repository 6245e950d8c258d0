// Which weight type each tensor gets under a quantisation mix (gguf_quantize.h): llama.cpp's
// llama_tensor_get_type (src/llama-quant.cpp, no importance matrix, no overrides) for the mixes
// lmforge writes, down to its tensor order (sorted by layer, then name) for the per-layer
// counters and its fallbacks for rows that are not whole blocks.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_quantize.h"

namespace lmforge::exporting {

using gguf::TensorType;

namespace {

struct MixInfo {
  QuantMix mix;
  std::string_view name;
  TensorType type;  // the mix's default type for quantised tensors
  std::uint32_t file_type;
};
constexpr MixInfo kMixes[] = {
    {QuantMix::F32, "f32", TensorType::F32, 0},    {QuantMix::F16, "f16", TensorType::F16, 1},
    {QuantMix::Q8_0, "q8_0", TensorType::Q8_0, 7}, {QuantMix::Q4_0, "q4_0", TensorType::Q4_0, 2},
    {QuantMix::Q4_K_M, "q4_k_m", TensorType::Q4_K, 15}, {QuantMix::Q6_K, "q6_k", TensorType::Q6_K, 18},
    {QuantMix::Q5_K_M, "q5_k_m", TensorType::Q5_K, 17},
};

const MixInfo& info(QuantMix mix) {
  for (const auto& m : kMixes)
    if (m.mix == mix) return m;
  return kMixes[0];
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// tensor_allows_quantization: 2-D (or more) weights other than norms, positions, token types
// and expert gates.
bool quantisable(const PlannedTensor& t) {
  return t.ne.size() >= 2 && ends_with(t.name, "weight") && !contains(t.name, "_norm.weight") &&
         t.name != "position_embd.weight" && t.name != "token_types.weight" && !contains(t.name, "ffn_gate_inp.weight");
}

bool is_quantized(TensorType t) { return t != TensorType::F32 && t != TensorType::F16 && t != TensorType::BF16; }

// -1 for tensors outside the blocks (weight_name_comparer's sscanf("blk.%d.")).
int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

bool is_attn_v(const std::string& name) {  // category_is_attn_v
  return contains(name, "attn_v.weight") || contains(name, "attn_qkv.weight") || contains(name, "attn_kv_b.weight");
}

bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// tensor_type_fallback: a K-quant whose rows are not whole super-blocks takes the 32-value type
// of about its size (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0), then F16 when even 32 does not divide the rows.
TensorType fallback(const PlannedTensor& t, TensorType type, std::vector<std::string>& notes) {
  const std::uint64_t cols = t.ne[0];
  if (gguf::row_bytes(type, cols) != 0) return type;
  TensorType to = type;
  if (type == TensorType::Q4_K) to = TensorType::Q5_0;
  if (type == TensorType::Q5_K) to = TensorType::Q5_1;
  if (type == TensorType::Q6_K) to = TensorType::Q8_0;
  if (gguf::row_bytes(to, cols) == 0) to = TensorType::F16;
  notes.push_back(fmt::format("{}: rows of {} values are not whole {} blocks, stored as {}", t.name, cols,
                              gguf::type_name(type), gguf::type_name(to)));
  return to;
}

}  // namespace

QuantMix parse_quant_mix(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& m : kMixes)
    if (m.name == lower) return m.mix;
  usage_error("unknown quantisation type '{}' (q8_0, q4_0, q4_k_m, q5_k_m, q6_k, f16, f32)", name);
}

std::string_view mix_name(QuantMix mix) { return info(mix).name; }
std::uint32_t mix_file_type(QuantMix mix) { return info(mix).file_type; }

std::vector<TensorType> plan_types(QuantMix mix, const std::vector<PlannedTensor>& tensors, int n_layer,
                                   std::vector<std::string>& notes) {
  const TensorType base = info(mix).type;
  bool tied = true;  // no output.weight: token_embd doubles as the output
  int n_attention_wv = 0, max_layer = -1;
  for (const auto& t : tensors) {
    if (t.name == "output.weight") tied = false;
    if (is_attn_v(t.name)) ++n_attention_wv;
    max_layer = std::max(max_layer, layer_of(t.name));
  }
  if (n_layer <= 0) n_layer = max_layer + 1;

  // llama.cpp visits tensors sorted by (layer, name); its per-category counters follow that order.
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int la = layer_of(tensors[a].name), lb = layer_of(tensors[b].name);
    return la != lb ? la < lb : tensors[a].name < tensors[b].name;
  });

  std::vector<TensorType> types(tensors.size());
  int i_attention_wv = 0, i_ffn_down = 0;
  const bool k_m = mix == QuantMix::Q4_K_M || mix == QuantMix::Q5_K_M;  // the same rules in llama.cpp
  for (const auto index : order) {
    const auto& t = tensors[index];
    if (!quantisable(t)) {
      types[index] = t.source;
      continue;
    }
    TensorType type = base;
    if (is_quantized(base)) {
      const bool output = t.name == "output.weight" || (tied && t.name == "token_embd.weight");
      if (output) {
        if (gguf::row_bytes(base, t.ne[0]) == 0) type = TensorType::Q8_0;
        else if (base != TensorType::Q8_0) type = TensorType::Q6_K;
      } else if (t.name == "token_embd.weight") {
        // the mix's type
      } else if (is_attn_v(t.name)) {
        if (k_m && use_more_bits(i_attention_wv, n_attention_wv)) type = TensorType::Q6_K;
        ++i_attention_wv;
      } else if (contains(t.name, "ffn_down")) {
        if (k_m && use_more_bits(i_ffn_down, n_layer)) type = TensorType::Q6_K;
        ++i_ffn_down;
      }
      type = fallback(t, type, notes);
    }
    types[index] = type;
  }
  return types;
}

}  // namespace lmforge::exporting
