#include "lmforge/common/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace lmforge {

ProgressMeter::ProgressMeter(ProgressCallback callback, double total, std::string unit,
                             std::chrono::milliseconds interval)
    : callback_(std::move(callback)), total_(total), unit_(std::move(unit)), interval_(interval),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

double ProgressMeter::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressMeter::update(double done, const std::string& message) {
  done_ = done;
  if (!callback_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < interval_) return;
  last_ = now;
  report(done, message);
}

void ProgressMeter::finish(const std::string& message) {
  if (callback_) report(total_ > 0 ? std::max(done_, total_) : done_, message);
}

void ProgressMeter::report(double done, const std::string& message) {
  Progress p;
  p.done = done;
  p.total = total_;
  p.unit = unit_;
  const double secs = elapsed_seconds();
  p.rate = secs > 0 ? done / secs : 0;
  if (total_ > 0 && p.rate > 0) p.eta_seconds = std::max(0.0, (total_ - done) / p.rate);
  p.message = message;
  callback_(p);
}

std::string human_count(double v, const std::string& unit) {
  const char* suffix[] = {"", " k", " M", " G", " T"};
  int i = 0;
  while (std::fabs(v) >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  if (unit == "B") {
    static const char* bytes[] = {" B", " kB", " MB", " GB", " TB"};
    return fmt::format("{:.1f}{}", v, bytes[i]);
  }
  const std::string tail = unit.empty() ? "" : " " + unit;
  if (i == 0 && std::fabs(v) < 10 && v != std::floor(v)) return fmt::format("{:.2f}{}", v, tail);  // slow rates
  return i ? fmt::format("{:.1f}{}{}", v, suffix[i], tail) : fmt::format("{:.0f}{}", v, tail);
}

static std::string format_eta(double s) {
  if (s < 0) return "?";
  const auto t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}

ProgressCallback terminal_progress(std::string label, bool quiet) {
  if (quiet) return {};
  const bool tty = ::isatty(STDERR_FILENO);
  auto last_log = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [label = std::move(label), tty, last_log](const Progress& p) {
    std::string line;
    const std::string rate = human_count(p.rate, p.unit) + "/s";
    if (p.total > 0) {
      const double frac = std::clamp(p.done / p.total, 0.0, 1.0);
      const int width = 24, filled = static_cast<int>(frac * width);
      line = fmt::format("{} [{}{}] {:5.1f}% {} eta {}", label, std::string(filled, '#'),
                         std::string(width - filled, '.'), frac * 100, rate, format_eta(p.eta_seconds));
    } else {
      line = fmt::format("{} {} {}", label, human_count(p.done, p.unit), rate);
    }
    if (!p.message.empty()) line += "  " + p.message;
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      if (p.total > 0 && p.done >= p.total) std::fputc('\n', stderr);
    } else {
      auto now = std::chrono::steady_clock::now();
      if (now - *last_log >= std::chrono::seconds(5) || (p.total > 0 && p.done >= p.total)) {
        *last_log = now;
        std::fprintf(stderr, "%s\n", line.c_str());
      }
    }
    std::fflush(stderr);
  };
}

}  // namespace lmforge
