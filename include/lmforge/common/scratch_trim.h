// Thread-local scratch buffers keep the capacity of the largest input they ever held: a server
// connection thread that once tokenized a 1 MB prompt kept ~37 MB for good (issue 22). A
// TrimOnExit releases such buffers when the call that used them ends, if they grew past a
// bound; ordinary inputs keep their buffers and allocate nothing.
//
//   thread_local std::vector<Symbol> symbols;
//   TrimOnExit trim(symbols);        // at scope exit: released if over 1 MiB
#pragma once

#include <cstddef>
#include <tuple>

namespace lmforge {

inline constexpr std::size_t kScratchKeepBytes = std::size_t{1} << 20;

template <typename... Containers>
class TrimOnExit {
 public:
  explicit TrimOnExit(Containers&... containers) : containers_(containers...) {}
  ~TrimOnExit() {
    std::apply([](auto&... c) { (trim(c), ...); }, containers_);
  }
  TrimOnExit(const TrimOnExit&) = delete;
  TrimOnExit& operator=(const TrimOnExit&) = delete;

 private:
  template <typename C>
  static void trim(C& c) {
    if (c.capacity() * sizeof(typename C::value_type) > kScratchKeepBytes) C().swap(c);
  }
  std::tuple<Containers&...> containers_;
};

}  // namespace lmforge
