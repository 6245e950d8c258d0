// Control prefixes for conditional generation: a GPT trained on "<好评>很快，好吃" learns to
// continue "<好评>" with a positive review. The prefix format and the controls seen in training
// travel in controls.json beside the model, so `write` can warn about a control the model never saw.
//
//   ControlSet set = prepare_control_data({.input = "waimai.csv", .text_column = "review",
//                                          .control_column = "label", .label_names = {{"1", "好评"}}},
//                                         "runs/waimai/train.jsonl");
//   set.save("runs/waimai/controls.json");
//   std::string prompt = set.prefix("好评") + "味道";   // "<好评>味道"
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace lmforge::write {

struct ControlSet {
  std::string format = "<{}>";                   // {} is replaced by the control
  std::map<std::string, std::size_t> controls;   // control -> training documents that carry it

  std::string prefix(const std::string& control) const;  // the formatted prefix
  bool known(const std::string& control) const { return controls.count(control) > 0; }
  std::string names() const;                             // "差评, 好评" for messages

  void save(const std::filesystem::path& path) const;    // JSON, atomically
  static ControlSet load(const std::filesystem::path& path);  // RuntimeError on a bad file
};

struct ControlDataOptions {
  std::string input;                 // csv/tsv (header row) or jsonl
  std::string text_column = "text";  // the text the model learns to write
  std::string control_column;        // the control (a label, a category); required
  std::map<std::string, std::string> label_names;  // raw value -> control name ("1" -> "好评")
  std::string format = "<{}>";       // must contain {} once
  std::size_t min_chars = 1;         // shorter texts (after trimming) are skipped and counted
};

struct ControlDataReport {
  std::size_t documents = 0;   // written
  std::size_t skipped = 0;     // empty or shorter than min_chars
};

// Writes one JSON line {"text": prefix + text} per row to `out_jsonl` (atomically) for
// `lmforge data prepare --field text`, and returns the controls with their counts.
ControlSet prepare_control_data(const ControlDataOptions& options, const std::filesystem::path& out_jsonl,
                                ControlDataReport* report = nullptr);

}  // namespace lmforge::write
