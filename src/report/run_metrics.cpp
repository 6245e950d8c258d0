// Reading a run directory's JSONL files (metrics.jsonl, samples.jsonl) and the parameter count
// of its safetensors file, defensively: a clear error naming the line, never a crash.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "lmforge/common/error.h"
#include "lmforge/common/line_reader.h"
#include "lmforge/common/safetensors.h"
#include "lmforge/report/run_report.h"

namespace lmforge::report {

namespace fs = std::filesystem;

namespace {

bool ends_with_newline(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() <= 0) return true;
  in.seekg(-1, std::ios::end);
  return in.get() == '\n';
}

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
std::string short_json_error(const std::string& what) {
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

// Calls `visit(object, line_number)` for each non-blank line of a JSONL file. A malformed
// line is a RuntimeError, except an unterminated last line: skipped, returned as a warning.
std::string for_each_object(const fs::path& path, const std::function<void(const nlohmann::json&, std::size_t)>& visit) {
  if (!fs::is_regular_file(path)) runtime_error("{}: no such file", path.string());
  const bool complete = ends_with_newline(path);
  LineReader reader(path.string());
  std::string line, pending_error;
  std::size_t pending_line = 0;
  while (reader.next(line)) {
    if (!pending_error.empty()) runtime_error("{}", pending_error);  // a bad line that was not the last
    if (std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); })) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      pending_error = fmt::format("{}:{}: not valid JSON ({})", path.string(), reader.line_number(),
                                  short_json_error(e.what()));
      pending_line = reader.line_number();
      continue;
    }
    if (!object.is_object()) runtime_error("{}:{}: expected a JSON object per line", path.string(), reader.line_number());
    visit(object, reader.line_number());
  }
  if (pending_error.empty()) return "";
  if (complete) runtime_error("{}", pending_error);
  return fmt::format("{}:{}: incomplete last line skipped (the run may still be writing)", path.string(), pending_line);
}

}  // namespace

bool RunMetrics::has(const std::string& key) const { return std::find(keys.begin(), keys.end(), key) != keys.end(); }

void RunMetrics::series(const std::string& key, std::vector<double>& steps, std::vector<double>& values) const {
  steps.clear();
  values.clear();
  for (const auto& r : records) {
    const auto it = r.values.find(key);
    if (it == r.values.end()) continue;
    steps.push_back(r.step);
    values.push_back(it->second);
  }
}

RunMetrics read_metrics(const fs::path& path) {
  RunMetrics metrics;
  metrics.warning = for_each_object(path, [&](const nlohmann::json& object, std::size_t line) {
    const auto step = object.find("step");
    if (step == object.end() || !step->is_number())
      runtime_error("{}:{}: a record without a numeric \"step\"", path.string(), line);
    MetricRecord record;
    record.line = line;
    record.step = step->get<double>();
    for (const auto& [key, value] : object.items()) {
      if (key == "step") continue;
      if (value.is_number()) record.values[key] = value.get<double>();
      else if (value.is_null()) record.values[key] = NAN;  // how nlohmann writes a NaN or inf
      else continue;                                       // strings, objects: not plotted
      if (!metrics.has(key)) metrics.keys.push_back(key);
    }
    metrics.records.push_back(std::move(record));
  });
  if (metrics.records.empty())
    runtime_error("{}: no records (has the run logged its first step yet?)", path.string());
  return metrics;
}

std::vector<Sample> read_samples(const fs::path& path) {
  std::vector<Sample> samples;
  for_each_object(path, [&](const nlohmann::json& object, std::size_t line) {
    Sample sample;
    const auto text = object.find("text");
    if (text == object.end() || !text->is_string())
      runtime_error("{}:{}: a sample without a string \"text\"", path.string(), line);
    sample.text = text->get<std::string>();
    if (auto step = object.find("step"); step != object.end() && step->is_number()) sample.step = step->get<double>();
    if (auto prompt = object.find("prompt"); prompt != object.end() && prompt->is_string())
      sample.prompt = prompt->get<std::string>();
    samples.push_back(std::move(sample));
  });
  return samples;
}

std::int64_t safetensors_parameter_count(const fs::path& path) {
  try {
    safetensors::Reader reader(path);
    std::int64_t total = 0;
    for (const auto& [name, tensor] : reader.tensors()) total += tensor.numel();
    return total;
  } catch (const RuntimeError&) {
    return -1;  // the report still renders; the summary says the count is unknown
  }
}

}  // namespace lmforge::report
