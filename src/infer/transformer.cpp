// The one forward pass of every family (lmforge GPT, GPT-2, Llama / Mistral / Qwen2), whatever
// the source: all tokens of all batch items form one [T, n_embd] activation matrix, so each
// weight matrix is read once per step; rotary, the KV cache and attention are per item.
#include <algorithm>
#include <map>

#include "attention.h"
#include "forward_profile.h"
#include "layer_ops.h"
#include "kv_cache.h"
#include "lmforge/common/error.h"
#include "model_weights.h"
#include "rope.h"
#include "vector_ops.h"

namespace lmforge::infer {

namespace {

std::uint64_t matrix_bytes(const WeightTensor& w) { return static_cast<std::uint64_t>(w.rows) * w.row_stride; }

class Transformer final : public CausalModel {
 public:
  Transformer(ModelSpec spec, ModelWeights weights, const LoadOptions& options)
      : spec_(std::move(spec)),
        w_(std::move(weights)),
        pool_(options.threads),
        kv_type_(options.kv_type),
        profile_(spec_.info.path.filename().string()) {
    auto& info = spec_.info;
    if (options.context < 0) usage_error("context must be >= 0, got {}", options.context);
    if (options.context > 0) {
      // Learned positions have a table of the trained length: no position past it exists.
      if (w_.positions.rows > 0 && options.context > w_.positions.rows)
        usage_error("{}: context {} is longer than the model's {} learned positions", info.path.string(),
                    options.context, w_.positions.rows);
      info.context = options.context;
    }
    std::uint64_t bytes = matrix_bytes(w_.head);
    auto norm_bytes = [](const Norm& n) { return 4 * (n.weight.size() + n.bias.size()); };
    bytes += norm_bytes(w_.final_norm);
    for (const auto& l : w_.layers) {
      for (const Linear* p : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
        bytes += matrix_bytes(p->w) + 4 * p->bias.size();
      bytes += norm_bytes(l.attn_norm) + norm_bytes(l.ffn_norm);
    }
    info.weight_bytes = bytes;
  }

  const ModelInfo& info() const override { return spec_.info; }

  SequenceId add_sequence() override {
    const SequenceId id = next_id_++;
    sequences_.emplace(id, KVCache(spec_.info.n_layer, spec_.info.n_head_kv * spec_.info.head_dim, kv_type_));
    return id;
  }
  void remove_sequence(SequenceId s) override { sequences_.erase(find(s).first); }
  std::int64_t sequence_length(SequenceId s) const override { return find(s).second->length(); }
  void truncate_sequence(SequenceId s, std::int64_t length) override {
    auto& cache = *find(s).second;
    if (length < 0 || length > cache.length())
      usage_error("truncate_sequence: length {} is outside 0..{}", length, cache.length());
    cache.set_length(length);
  }
  void copy_sequence(SequenceId src, SequenceId dst, std::int64_t length) override {
    const auto& from = *find(src).second;
    auto& to = *find(dst).second;
    if (length < 0 || length > from.length())
      usage_error("copy_sequence: length {} is outside 0..{}", length, from.length());
    if (&from != &to) to.copy_from(from, length, spec_.info.context);
    else to.set_length(length);
  }

  std::uint64_t kv_bytes_per_position() const override {
    return 2 * static_cast<std::uint64_t>(spec_.info.n_layer * spec_.info.n_head_kv * spec_.info.head_dim) *
           (kv_type_ == KVType::F32 ? 4 : 2);
  }

  void forward(std::span<const BatchItem> batch, std::vector<float>& logits) override;

 private:
  std::pair<std::map<SequenceId, KVCache>::iterator, KVCache*> find(SequenceId s) {
    auto it = sequences_.find(s);
    if (it == sequences_.end()) usage_error("unknown sequence {}", s);
    return {it, &it->second};
  }
  std::pair<std::map<SequenceId, KVCache>::const_iterator, const KVCache*> find(SequenceId s) const {
    auto it = sequences_.find(s);
    if (it == sequences_.end()) usage_error("unknown sequence {}", s);
    return {it, &it->second};
  }
  void linear(const Linear& p, const float* x, std::int64_t rows, float* y) {
    matmul(p.w, x, rows, y, pool_, scratch_);
    profile_.lap(ForwardProfile::matmul, lap_);
    add_bias(y, rows, p.bias, pool_);
    profile_.lap(ForwardProfile::residual, lap_);
  }

  ModelSpec spec_;
  ModelWeights w_;
  ThreadPool pool_;
  KVType kv_type_;
  MatmulScratch scratch_;
  std::map<SequenceId, KVCache> sequences_;
  SequenceId next_id_ = 0;
  // Activations of one step, reused (resizing down keeps the memory).
  std::vector<float> x_, h_, q_, k_, v_, att_, f1_, f2_, rows_;
  std::vector<std::int64_t> positions_;  // of each row of the step
  std::vector<int> tokens_;              // of each row of the step
  std::vector<KVCache*> row_caches_;     // of each row of the step
  std::vector<AttentionItem> items_;
  AttentionScratch attention_scratch_;
  RopeTable rope_table_;
  ForwardProfile profile_;
  ForwardProfile::Clock::time_point lap_;
};

void Transformer::forward(std::span<const BatchItem> batch, std::vector<float>& logits) {
  const auto& info = spec_.info;
  const std::int64_t C = info.n_embd, H = info.n_head, Hkv = info.n_head_kv, D = info.head_dim, V = info.vocab_size;
  // Check everything before anything is appended.
  std::vector<KVCache*> caches;
  std::int64_t T = 0, out_rows = 0;
  for (const auto& item : batch) {
    KVCache* cache = find(item.sequence).second;
    if (std::find(caches.begin(), caches.end(), cache) != caches.end())
      usage_error("sequence {} appears twice in one batch", item.sequence);
    const auto n = static_cast<std::int64_t>(item.tokens.size());
    if (n == 0) usage_error("sequence {}: a batch item needs at least one token", item.sequence);
    if (cache->length() + n > info.context)
      usage_error("sequence {}: {} cached + {} new tokens exceed the context of {}", item.sequence, cache->length(), n,
                  info.context);
    for (int t : item.tokens)
      if (t < 0 || t >= V) usage_error("token id {} is outside the vocabulary (0..{})", t, V - 1);
    caches.push_back(cache);
    T += n;
    out_rows += item.all_logits ? n : 1;
  }
  logits.clear();
  if (T == 0) return;
  for (std::size_t i = 0; i < batch.size(); ++i)
    caches[i]->reserve(caches[i]->length() + static_cast<std::int64_t>(batch[i].tokens.size()), info.context);

  lap_ = profile_.now();
  profile_.count(T);
  // Rows of the batch: their cache and position; the embedding (and learned position) of each.
  positions_.clear();
  row_caches_.clear();
  items_.clear();
  x_.resize(static_cast<std::size_t>(T * C));
  h_.resize(static_cast<std::size_t>(T * C));
  tokens_.clear();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto n = static_cast<std::int64_t>(batch[i].tokens.size());
    items_.push_back({caches[i], caches[i]->length(), n, static_cast<std::int64_t>(positions_.size())});
    for (std::int64_t t = 0; t < n; ++t) {
      positions_.push_back(caches[i]->length() + t);
      row_caches_.push_back(caches[i]);
      tokens_.push_back(batch[i].tokens[static_cast<std::size_t>(t)]);
    }
  }
  split_work(T, 2 * C, pool_, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      dequantize_row(w_.embed, tokens_[static_cast<std::size_t>(r)], x_.data() + r * C);
      if (w_.positions.rows > 0) {
        dequantize_row(w_.positions, positions_[static_cast<std::size_t>(r)], h_.data() + r * C);
        vector_ops().add(x_.data() + r * C, h_.data() + r * C, C);
      }
    }
  });
  const bool rotary = spec_.rope.layout != RopeLayout::none;
  if (rotary) {
    std::int64_t longest = 0;
    for (std::int64_t p : positions_) longest = std::max(longest, p + 1);
    rope_table_.ensure(spec_.rope, longest);
  }

  q_.resize(static_cast<std::size_t>(T * H * D));
  k_.resize(static_cast<std::size_t>(T * Hkv * D));
  v_.resize(static_cast<std::size_t>(T * Hkv * D));
  att_.resize(static_cast<std::size_t>(T * std::max(H * D, C)));
  const std::int64_t ff = info.n_ff;
  f1_.resize(static_cast<std::size_t>(T * ff));
  f2_.resize(static_cast<std::size_t>(T * ff));
  profile_.lap(ForwardProfile::other, lap_);
  for (std::int64_t layer = 0; layer < info.n_layer; ++layer) {
    const auto& l = w_.layers[static_cast<std::size_t>(layer)];
    norm_rows(spec_.norm, l.attn_norm, spec_.norm_eps, x_.data(), h_.data(), T, C, pool_);
    profile_.lap(ForwardProfile::norm, lap_);
    linear(l.q, h_.data(), T, q_.data());
    linear(l.k, h_.data(), T, k_.data());
    linear(l.v, h_.data(), T, v_.data());
    split_work(T, (H + Hkv) * D, pool_, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        const std::int64_t pos = positions_[static_cast<std::size_t>(r)];
        if (rotary) {
          const float* cos = rope_table_.cos(pos);
          const float* sin = rope_table_.sin(pos);
          apply_rope(spec_.rope.layout, q_.data() + r * H * D, H, D, cos, sin);
          apply_rope(spec_.rope.layout, k_.data() + r * Hkv * D, Hkv, D, cos, sin);
        }
        row_caches_[static_cast<std::size_t>(r)]->write(layer, pos, k_.data() + r * Hkv * D, v_.data() + r * Hkv * D);
      }
    });
    profile_.lap(ForwardProfile::rope_kv, lap_);
    attention({layer, H, Hkv, D, spec_.sliding_window}, items_, q_.data(), att_.data(), pool_, attention_scratch_);
    profile_.lap(ForwardProfile::attention, lap_);
    linear(l.o, att_.data(), T, h_.data());
    add_into(x_.data(), h_.data(), T * C, pool_);
    profile_.lap(ForwardProfile::residual, lap_);

    norm_rows(spec_.norm, l.ffn_norm, spec_.norm_eps, x_.data(), h_.data(), T, C, pool_);
    profile_.lap(ForwardProfile::norm, lap_);
    linear(l.up, h_.data(), T, f1_.data());
    if (spec_.activation == Activation::silu_gated) {
      linear(l.gate, h_.data(), T, f2_.data());
      silu_mul(f2_.data(), f1_.data(), T * ff, pool_);
      profile_.lap(ForwardProfile::activation, lap_);
      linear(l.down, f2_.data(), T, h_.data());
    } else {
      gelu(f1_.data(), T * ff, spec_.activation == Activation::gelu_tanh, pool_);
      profile_.lap(ForwardProfile::activation, lap_);
      linear(l.down, f1_.data(), T, h_.data());
    }
    add_into(x_.data(), h_.data(), T * C, pool_);
    profile_.lap(ForwardProfile::residual, lap_);
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    caches[i]->set_length(caches[i]->length() + static_cast<std::int64_t>(batch[i].tokens.size()));

  // The final norm and the head (the largest matrix) only on the rows whose logits are asked for.
  rows_.resize(static_cast<std::size_t>(out_rows * C));
  std::int64_t r = 0, o = 0;
  for (const auto& item : batch) {
    const auto n = static_cast<std::int64_t>(item.tokens.size());
    const std::int64_t from = item.all_logits ? 0 : n - 1;
    std::copy(x_.begin() + (r + from) * C, x_.begin() + (r + n) * C, rows_.begin() + o * C);
    o += n - from;
    r += n;
  }
  h_.resize(static_cast<std::size_t>(std::max(T, out_rows) * C));
  norm_rows(spec_.norm, w_.final_norm, spec_.norm_eps, rows_.data(), h_.data(), out_rows, C, pool_);
  profile_.lap(ForwardProfile::norm, lap_);
  logits.resize(static_cast<std::size_t>(out_rows * V));
  matmul(w_.head, h_.data(), out_rows, logits.data(), pool_, scratch_);
  profile_.lap(ForwardProfile::matmul, lap_);
}

}  // namespace

WeightTensor ModelWeights::own(std::vector<float> values, std::int64_t rows, std::int64_t cols) {
  owned.push_back(std::make_unique<std::vector<float>>(std::move(values)));
  return WeightTensor{WeightType::F32, rows, cols, owned.back()->data(), static_cast<std::size_t>(cols) * 4};
}

std::unique_ptr<CausalModel> make_transformer(ModelSpec spec, ModelWeights weights, const LoadOptions& options) {
  return std::make_unique<Transformer>(std::move(spec), std::move(weights), options);
}

}  // namespace lmforge::infer
