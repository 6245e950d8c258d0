#include "lmforge/classify/metrics.h"

#include <algorithm>

#include <fmt/format.h>

#include "lmforge/common/utf8.h"

namespace lmforge::classify {

ConfusionMatrix::ConfusionMatrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0) {}

void ConfusionMatrix::add(std::size_t truth, std::size_t predicted) {
  ++counts_[truth * classes_ + predicted];
  ++total_;
}

double ConfusionMatrix::accuracy() const {
  std::size_t correct = 0;
  for (std::size_t c = 0; c < classes_; ++c) correct += count(c, c);
  return total_ ? static_cast<double>(correct) / static_cast<double>(total_) : 0.0;
}

ClassScores ConfusionMatrix::scores(std::size_t cls) const {
  ClassScores s;
  for (std::size_t o = 0; o < classes_; ++o) {
    s.support += count(cls, o);
    s.predicted += count(o, cls);
  }
  const double tp = static_cast<double>(count(cls, cls));
  s.precision = s.predicted ? tp / static_cast<double>(s.predicted) : 0.0;
  s.recall = s.support ? tp / static_cast<double>(s.support) : 0.0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  return s;
}

double ConfusionMatrix::macro_f1() const {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t c = 0; c < classes_; ++c) {
    const auto s = scores(c);
    if (s.support == 0 && s.predicted == 0) continue;
    sum += s.f1;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

nlohmann::json ConfusionMatrix::to_json(const std::vector<std::string>& labels) const {
  nlohmann::json per_class = nlohmann::json::array();
  nlohmann::json matrix = nlohmann::json::array();
  for (std::size_t c = 0; c < classes_; ++c) {
    const auto s = scores(c);
    per_class.push_back({{"label", labels[c]}, {"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1},
                         {"support", s.support}});
    std::vector<std::size_t> row(counts_.begin() + static_cast<std::ptrdiff_t>(c * classes_),
                                 counts_.begin() + static_cast<std::ptrdiff_t>((c + 1) * classes_));
    matrix.push_back(row);
  }
  return {{"examples", total_}, {"accuracy", accuracy()}, {"macro_f1", macro_f1()}, {"per_class", per_class},
          {"labels", labels}, {"confusion_matrix", matrix}};
}

namespace {
// Pads to a display width, counting CJK characters as two columns.
std::string pad(const std::string& s, std::size_t width, bool right = false) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode(s, i);
    w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60)))
             ? 2
             : 1;
  }
  const std::string fill(w < width ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}
}  // namespace

std::string ConfusionMatrix::to_text(const std::vector<std::string>& labels) const {
  std::size_t width = 5;
  for (const auto& l : labels) width = std::max(width, utf8::length(l) * 2);
  width = std::min<std::size_t>(width, 24);
  std::string out = fmt::format("examples {}   accuracy {:.4f}   macro-F1 {:.4f}\n\n", total_, accuracy(), macro_f1());
  out += pad("label", width) + "  precision  recall      F1  support\n";
  for (std::size_t c = 0; c < classes_; ++c) {
    const auto s = scores(c);
    out += pad(labels[c], width) + fmt::format("  {:9.4f}  {:6.4f}  {:6.4f}  {:7}\n", s.precision, s.recall, s.f1, s.support);
  }
  out += "\nconfusion matrix (rows: true label, columns: predicted)\n" + pad("", width);
  for (std::size_t c = 0; c < classes_; ++c) out += " " + pad(labels[c], std::max<std::size_t>(width, 7), true);
  out += "\n";
  for (std::size_t t = 0; t < classes_; ++t) {
    out += pad(labels[t], width);
    for (std::size_t p = 0; p < classes_; ++p)
      out += " " + pad(std::to_string(count(t, p)), std::max<std::size_t>(width, 7), true);
    out += "\n";
  }
  return out;
}

}  // namespace lmforge::classify
