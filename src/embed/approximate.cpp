// ApproximateIndex over hnswlib (Debian libhnswlib-dev, header-only).
#include <thread>

#include <hnswlib/hnswlib.h>

#include "lmforge/common/error.h"
#include "lmforge/embed/similarity.h"

namespace lmforge::embed {

struct ApproximateIndex::Impl {
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> index;
  std::size_t ef_search;
  Impl(std::size_t dim, std::size_t n, const Options& o)
      : space(dim), index(&space, n, o.m, o.ef_construction), ef_search(o.ef_search) {}
};

ApproximateIndex::ApproximateIndex(const VectorSpace& space, const Options& options) : space_(space) {
  if (space.size() == 0) runtime_error("cannot index an empty vector space");
  impl_ = std::make_unique<Impl>(space.dim(), space.size(), options);
  // Points 0 .. threads-1 go in first, then the threads share the rest (hnswlib's addPoint is thread-safe).
  std::size_t threads = static_cast<std::size_t>(std::max(1, options.threads));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < space.size();)
      impl_->index.addPoint(space.row(i), static_cast<hnswlib::labeltype>(i));
  };
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (auto& w : workers) w.join();
}

ApproximateIndex::~ApproximateIndex() = default;

std::vector<Neighbor> ApproximateIndex::nearest(const float* query, std::size_t k,
                                                const std::vector<std::int64_t>& exclude) const {
  std::size_t want = std::min(space_.size(), k + exclude.size());
  impl_->index.setEf(std::max(impl_->ef_search, want));
  auto result = impl_->index.searchKnn(query, want);
  std::vector<Neighbor> out;
  while (!result.empty()) {  // a max-heap by distance: worst first
    auto [distance, label] = result.top();
    result.pop();
    auto i = static_cast<std::int64_t>(label);
    if (std::find(exclude.begin(), exclude.end(), i) == exclude.end())
      out.push_back({i, space_.word(static_cast<std::size_t>(i)), 1.0f - distance});
  }
  std::reverse(out.begin(), out.end());
  if (out.size() > k) out.resize(k);
  return out;
}

}  // namespace lmforge::embed
