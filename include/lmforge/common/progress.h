// Progress of long jobs, reported through a callback and printed elsewhere (the CLI's
// bar, a JSON log, the server share the same numbers), as fastText's TrainCallback does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace lmforge {

struct Progress {
  double done = 0;       // units processed so far (bytes, words, steps)
  double total = 0;      // 0 when unknown
  std::string unit;      // "B", "words", "steps"
  double rate = 0;       // units per second since the start
  double eta_seconds = -1;  // -1 when unknown
  std::string message;   // extra: "loss 3.21 lr 1e-3"
};

using ProgressCallback = std::function<void(const Progress&)>;

// Computes rate and ETA, and throttles calls to the callback (at most every `interval`).
class ProgressMeter {
 public:
  ProgressMeter(ProgressCallback callback, double total, std::string unit,
                std::chrono::milliseconds interval = std::chrono::milliseconds(200));
  void update(double done, const std::string& message = {});  // throttled
  void finish(const std::string& message = {});                // always reports
  double elapsed_seconds() const;

 private:
  void report(double done, const std::string& message);
  ProgressCallback callback_;
  double total_;
  std::string unit_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_, last_;
  double done_ = 0;
};

// A callback that draws a one-line bar on stderr when it is a terminal and prints a plain
// log line every few seconds otherwise; `quiet` silences it.
ProgressCallback terminal_progress(std::string label, bool quiet = false);

// "1.5 MB", "320 k" (for rates and counts on screen).
std::string human_count(double value, const std::string& unit);

}  // namespace lmforge
