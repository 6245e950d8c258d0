#include "lmforge/embed/weat.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"

namespace lmforge::embed {

WeatTest read_weat_test(const std::string& path) {
  LineReader reader(path);
  WeatTest test;
  std::string line;
  bool seen[4] = {};
  while (reader.next(line)) {
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    if (line[start] == '#') {
      std::size_t text = line.find_first_not_of("# \t", start);
      if (test.title.empty() && text != std::string::npos) test.title = line.substr(text);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string::npos)
      runtime_error("{}:{}: expected 'X|Y|A|B name: word word ...'", path, reader.line_number());
    std::string head = line.substr(start, colon - start);
    char key = head.empty() ? '?' : head[0];
    int slot = key == 'X' ? 0 : key == 'Y' ? 1 : key == 'A' ? 2 : key == 'B' ? 3 : -1;
    if (slot < 0 || (head.size() > 1 && head[1] != ' '))
      runtime_error("{}:{}: a set line starts with X, Y, A or B", path, reader.line_number());
    WeatWordSet* set = slot == 0 ? &test.x : slot == 1 ? &test.y : slot == 2 ? &test.a : &test.b;
    set->name = head.size() > 2 ? head.substr(2) : head;
    std::string rest = line.substr(colon + 1);
    std::size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == ',')) ++i;
      std::size_t s = i;
      while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t' && rest[i] != ',') ++i;
      if (i > s) set->words.push_back(rest.substr(s, i - s));
    }
    seen[slot] = true;
  }
  for (int k = 0; k < 4; ++k)
    if (!seen[k]) runtime_error("{}: missing the {} line", path, "XYAB"[k]);
  return test;
}

namespace {

double binomial(std::size_t n, std::size_t k) {
  double r = 1;
  for (std::size_t i = 1; i <= k; ++i) r = r * double(n - k + i) / double(i);
  return r;
}

}  // namespace

WeatResult weat(const VectorSpace& space, const WeatTest& test, const WeatOptions& options) {
  WeatResult result;
  auto rows = [&](const WeatWordSet& set, std::size_t& used) {
    std::vector<std::size_t> out;
    for (auto& w : set.words) {
      std::int64_t i = space.find(w);
      if (i < 0) result.missing.push_back(w);
      else out.push_back(static_cast<std::size_t>(i));
    }
    used = out.size();
    if (out.empty()) usage_error("WEAT: no word of set '{}' is in the vocabulary", set.name);
    return out;
  };
  auto x = rows(test.x, result.x_used), y = rows(test.y, result.y_used);
  auto a = rows(test.a, result.a_used), b = rows(test.b, result.b_used);
  const std::size_t dim = space.dim();
  auto cosine = [&](std::size_t i, std::size_t j) {
    double s = 0;
    for (std::size_t d = 0; d < dim; ++d) s += double(space.row(i)[d]) * space.row(j)[d];
    return s;
  };
  auto association = [&](std::size_t w) {
    double sa = 0, sb = 0;
    for (auto i : a) sa += cosine(w, i);
    for (auto i : b) sb += cosine(w, i);
    return sa / double(a.size()) - sb / double(b.size());
  };
  // s(w, A, B) of every target word: X's first, then Y's.
  std::vector<double> s;
  for (auto w : x) s.push_back(association(w));
  for (auto w : y) s.push_back(association(w));
  const std::size_t nx = x.size(), n = s.size();
  double mean_x = std::accumulate(s.begin(), s.begin() + nx, 0.0) / double(nx);
  double mean_y = std::accumulate(s.begin() + nx, s.end(), 0.0) / double(n - nx);
  double mean = std::accumulate(s.begin(), s.end(), 0.0) / double(n);
  double var = 0;
  for (double v : s) var += (v - mean) * (v - mean);
  double std_dev = n > 1 ? std::sqrt(var / double(n - 1)) : 0.0;
  result.effect_size = std_dev > 0 ? (mean_x - mean_y) / std_dev : 0.0;

  // The statistic sum_X s - sum_Y s = 2 sum_X s - total, so comparing sum_X s suffices.
  const double total = std::accumulate(s.begin(), s.end(), 0.0);
  const double observed = std::accumulate(s.begin(), s.begin() + nx, 0.0);
  const double eps = 1e-12 * std::max(1.0, std::abs(total));
  std::size_t greater = 0, tested = 0;
  if (binomial(n, nx) <= double(options.permutations)) {
    result.exact = true;
    std::vector<bool> pick(n, false);
    std::fill(pick.begin(), pick.begin() + nx, true);
    do {  // every subset of size nx, via permutations of the selection mask
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (pick[i]) sum += s[i];
      if (sum > observed + eps) ++greater;
      ++tested;
    } while (std::prev_permutation(pick.begin(), pick.end()));
  } else {
    std::mt19937_64 rng(options.seed);
    std::vector<double> shuffled = s;
    for (std::size_t p = 0; p < options.permutations; ++p) {
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      double sum = std::accumulate(shuffled.begin(), shuffled.begin() + nx, 0.0);
      if (sum > observed + eps) ++greater;
      ++tested;
    }
  }
  result.partitions = tested;
  result.p_value = tested ? double(greater) / double(tested) : 1.0;
  return result;
}

}  // namespace lmforge::embed
