#include "lmforge/write/controls.h"

#include <nlohmann/json.hpp>

#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::write {
namespace {

void check_format(const std::string& format) {
  const auto at = format.find("{}");
  if (at == std::string::npos || format.find("{}", at + 2) != std::string::npos)
    usage_error("control format '{}' must contain {{}} exactly once", format);
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

}  // namespace

std::string ControlSet::prefix(const std::string& control) const {
  std::string out = format;
  out.replace(out.find("{}"), 2, control);
  return out;
}

std::string ControlSet::names() const {
  std::string out;
  for (const auto& [name, count] : controls) out += (out.empty() ? "" : ", ") + name;
  return out;
}

void ControlSet::save(const std::filesystem::path& path) const {
  nlohmann::json j = {{"format", format}, {"controls", controls}};
  write_file_atomic(path, j.dump(2) + "\n");
}

ControlSet ControlSet::load(const std::filesystem::path& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: not valid JSON: {}", path.string(), e.what());
  }
  ControlSet set;
  try {
    set.format = j.at("format").get<std::string>();
    set.controls = j.at("controls").get<std::map<std::string, std::size_t>>();
  } catch (const nlohmann::json::exception& e) {
    runtime_error("{}: expected {{\"format\": \"<{{}}>\", \"controls\": {{name: count}}}}: {}", path.string(), e.what());
  }
  if (set.format.find("{}") == std::string::npos) runtime_error("{}: format has no {{}}", path.string());
  return set;
}

ControlSet prepare_control_data(const ControlDataOptions& o, const std::filesystem::path& out_jsonl,
                                ControlDataReport* report) {
  check_format(o.format);
  if (o.control_column.empty()) usage_error("a control column is required (e.g. --control-column label)");
  classify::TableReader reader(o.input, {.text_column = o.text_column, .label_column = o.control_column});
  ControlSet set;
  set.format = o.format;
  ControlDataReport counts;
  AtomicFile out(out_jsonl);
  for (classify::TableRow row; reader.next(row);) {
    const std::string text = trim(row.text);
    if (text.size() < o.min_chars) {
      ++counts.skipped;
      continue;
    }
    std::string control = trim(row.label);
    if (auto it = o.label_names.find(control); it != o.label_names.end()) control = it->second;
    if (control.empty()) runtime_error("{}:{}: empty control value in column '{}'", o.input, row.line, o.control_column);
    if (control.find_first_of("\n\r") != std::string::npos)
      runtime_error("{}:{}: a control value spans lines", o.input, row.line);
    ++set.controls[control];
    out.stream() << nlohmann::json({{"text", set.prefix(control) + text}}).dump() << '\n';
    ++counts.documents;
  }
  if (counts.documents == 0) runtime_error("{}: no usable rows (all texts empty or shorter than {} bytes)", o.input, o.min_chars);
  out.commit();
  if (report) *report = counts;
  return set;
}

}  // namespace lmforge::write
