#include "lmforge/text/dedupe.h"

#include <algorithm>
#include <vector>

#include "flat_hash.h"
#include "lmforge/common/error.h"
#include "lmforge/text/minhash.h"
#include "lmforge/text/normalize.h"

namespace lmforge::text {
namespace {

CleanOptions key_normalisation() {
  CleanOptions o;
  o.punct = PunctWidth::kHalf;  // "，" and "," compare equal
  o.lowercase = true;
  return o;
}

}  // namespace

struct Deduplicator::Impl {
  explicit Impl(const DedupeOptions& o)
      : cleaner(key_normalisation()), minhash({.ngram = o.ngram, .num_perm = o.num_perm, .seed = o.seed}) {}

  TextCleaner cleaner;
  MinHasher minhash;
  FlatSet64 exact;
  // Near: kept records' shingle sets, back to back, and where each starts.
  std::vector<std::uint32_t> shingle_arena;
  std::vector<std::uint64_t> kept_offset;  // kept id -> start in shingle_arena (size kept + 1)
  std::vector<std::uint64_t> kept_index;   // kept id -> index in the order of add()
  FlatMultiMap64 bands;
  // Scratch, reused across records.
  std::string key;
  std::vector<std::uint32_t> shingles, signature, candidates;
  std::vector<std::uint64_t> band_keys;
};

Deduplicator::Deduplicator(DedupeOptions options) : options_(options) {
  if (options_.mode == DedupeMode::kNear) {
    if (!(options_.threshold > 0 && options_.threshold <= 1))
      usage_error("--threshold must be in (0, 1], got {}", options_.threshold);
    if (options_.ngram == 0) usage_error("--ngram must be at least 1");
    if (options_.bands == 0 || options_.num_perm == 0 || options_.num_perm % options_.bands != 0)
      usage_error("--num-perm ({}) must be a positive multiple of --bands ({})", options_.num_perm, options_.bands);
  }
  impl_ = std::make_unique<Impl>(options_);
  impl_->kept_offset.push_back(0);
}

Deduplicator::~Deduplicator() = default;
Deduplicator::Deduplicator(Deduplicator&&) noexcept = default;

std::size_t Deduplicator::memory_bytes() const {
  const auto& m = *impl_;
  return m.exact.memory_bytes() + m.bands.memory_bytes() + m.shingle_arena.capacity() * sizeof(std::uint32_t) +
         (m.kept_offset.capacity() + m.kept_index.capacity()) * sizeof(std::uint64_t);
}

DedupeVerdict Deduplicator::add(std::string_view text) {
  auto& m = *impl_;
  const std::size_t index = stats_.records++;
  std::string_view key = text;
  if (options_.normalize) {
    m.cleaner.clean(text, m.key);
    key = m.key;
  }
  DedupeVerdict verdict;
  if (!m.exact.insert(xxhash64(key, /*seed=*/0x6c6d666f726765ULL))) {
    ++stats_.exact_duplicates;
    verdict.kind = DuplicateKind::kExact;
    verdict.jaccard = 1.0;
    return verdict;
  }
  if (options_.mode == DedupeMode::kNear) {
    m.minhash.shingles(key, m.shingles);
    if (!m.shingles.empty()) {
      m.minhash.signature(m.shingles, m.signature);
      const std::size_t rows = options_.num_perm / options_.bands;
      m.band_keys.clear();
      m.candidates.clear();
      for (std::size_t b = 0; b < options_.bands; ++b) {
        const auto band_key = xxhash64(m.signature.data() + b * rows, rows * sizeof(std::uint32_t), b);
        m.band_keys.push_back(band_key);
        m.bands.find(band_key, m.candidates);
      }
      // Earliest kept record first, so the verdict does not depend on hash-table order.
      std::sort(m.candidates.begin(), m.candidates.end());
      m.candidates.erase(std::unique(m.candidates.begin(), m.candidates.end()), m.candidates.end());
      for (const auto id : m.candidates) {
        ++stats_.candidates_checked;
        const std::span<const std::uint32_t> other(m.shingle_arena.data() + m.kept_offset[id],
                                                   m.kept_offset[id + 1] - m.kept_offset[id]);
        const double j = jaccard(m.shingles, other);
        if (j >= options_.threshold) {
          ++stats_.near_duplicates;
          verdict.kind = DuplicateKind::kNear;
          verdict.duplicate_of = m.kept_index[id];
          verdict.jaccard = j;
          return verdict;
        }
      }
      const auto id = static_cast<std::uint32_t>(m.kept_index.size());
      if (id == FlatMultiMap64::kEmpty) runtime_error("near-duplicate removal holds at most 2^32-1 records");
      m.shingle_arena.insert(m.shingle_arena.end(), m.shingles.begin(), m.shingles.end());
      m.kept_offset.push_back(m.shingle_arena.size());
      m.kept_index.push_back(index);
      for (const auto band_key : m.band_keys) m.bands.insert(band_key, id);
    }
  }
  ++stats_.kept;
  return verdict;
}

}  // namespace lmforge::text
