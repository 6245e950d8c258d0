// The training-run page: summary, learning curves, samples, configs.
#include "lmforge/report/run_report.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/report/html_page.h"
#include "lmforge/report/svg_chart.h"

namespace lmforge::report {

namespace fs = std::filesystem;

namespace {

// Fields with a chart or summary line of their own; every other numeric field gets a chart
// under "Other metrics" (e.g. val_bleu, val_chrf, val_accuracy from other trainers).
const std::set<std::string> kKnownKeys = {"loss",         "val_loss",       "lr",        "tokens_per_s",
                                          "tokens_per_sec", "grad_norm",    "tokens",    "elapsed_s",
                                          "val_ppl"};

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return NAN;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds)) return "–";
  if (seconds < 120) return fmt::format("{:.1f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.1f} min", seconds / 60);
  return fmt::format("{:.2f} h", seconds / 3600);
}

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

// A JSON file of the run, pretty-printed, or why it could not be read ("" when absent).
struct JsonFile {
  nlohmann::json json;
  std::string text;
  std::string problem;
  bool present = false;
};
JsonFile read_json_file(const fs::path& path) {
  JsonFile file;
  if (!fs::is_regular_file(path)) return file;
  file.present = true;
  try {
    file.json = nlohmann::json::parse(read_file(path));
    file.text = file.json.dump(2);
  } catch (const std::exception& e) {
    file.problem = fmt::format("{}: could not be read ({})", path.string(), e.what());
  }
  return file;
}

bool has_cjk(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const char32_t cp = utf8::decode(s, i);
    if ((cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF)) return true;
  }
  return false;
}

// A chart title from a metric key: "val_bleu" -> "val bleu".
std::string pretty_key(std::string key) {
  std::replace(key.begin(), key.end(), '_', ' ');
  return key;
}

}  // namespace

std::string render_run_report(const RunReportOptions& options) {
  const fs::path& dir = options.run_dir;
  if (!fs::is_directory(dir)) runtime_error("{}: not a directory", dir.string());
  const fs::path metrics_path = dir / "metrics.jsonl";
  if (!fs::is_regular_file(metrics_path))
    runtime_error("{}: no metrics.jsonl (is it a directory written by `lmforge train`?)", dir.string());
  const RunMetrics metrics = read_metrics(metrics_path);

  std::vector<Sample> samples;
  if (fs::is_regular_file(dir / "samples.jsonl")) samples = read_samples(dir / "samples.jsonl");
  const JsonFile train_config = read_json_file(dir / "train_config.json");
  fs::path model_dir = dir / "model";
  if (!fs::is_directory(model_dir)) model_dir = dir;  // a model directory given directly
  const JsonFile model_config = read_json_file(model_dir / "config.json");
  const std::int64_t parameters = safetensors_parameter_count(model_dir / "model.safetensors");

  // Series.
  std::vector<double> loss_x, loss_y, val_x, val_y, lr_x, lr_y, rate_x, rate_y, grad_x, grad_y;
  metrics.series("loss", loss_x, loss_y);
  metrics.series("val_loss", val_x, val_y);
  metrics.series("lr", lr_x, lr_y);
  metrics.series(metrics.has("tokens_per_s") ? "tokens_per_s" : "tokens_per_sec", rate_x, rate_y);
  metrics.series("grad_norm", grad_x, grad_y);

  // Summary figures.
  const double last_step = metrics.records.back().step;
  std::vector<std::pair<std::string, std::string>> summary;
  summary.push_back({"run directory", dir.string()});
  summary.push_back({"last step", fmt::format("{:.0f}", last_step)});
  if (!loss_y.empty()) {
    const std::size_t tail = std::min<std::size_t>(loss_y.size(), 10);
    double sum = 0;
    std::size_t finite = 0;
    for (std::size_t i = loss_y.size() - tail; i < loss_y.size(); ++i)
      if (std::isfinite(loss_y[i])) sum += loss_y[i], ++finite;
    summary.push_back({"train loss (last / mean of last 10 logs)",
                       fmt::format("{} / {}", format_value(loss_y.back()), format_value(finite ? sum / finite : NAN))});
  }
  std::string subtitle = fmt::format("{:.0f} steps", last_step);
  if (!val_y.empty()) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < val_y.size(); ++i)
      if (std::isfinite(val_y[i]) && (!std::isfinite(val_y[best]) || val_y[i] < val_y[best])) best = i;
    summary.push_back({"validation loss (last, at step)",
                       fmt::format("{} at {:.0f} (perplexity {})", format_value(val_y.back()), val_x.back(),
                                   format_value(std::exp(val_y.back())))});
    summary.push_back({"best validation loss", fmt::format("{} at step {:.0f}", format_value(val_y[best]), val_x[best])});
    subtitle += fmt::format(" · validation loss {} at step {:.0f}", format_value(val_y.back()), val_x.back());
  }
  if (!rate_y.empty()) {
    // The first log window includes start-up work (allocation, first-touch): left out.
    std::vector<double> steady(rate_y.begin() + (rate_y.size() > 2 ? 1 : 0), rate_y.end());
    summary.push_back({"tokens/s (median of log windows)", human_count(median(steady))});
    subtitle += fmt::format(" · {} tokens/s", human_count(median(steady)));
  }
  {
    std::vector<double> xs, ys;
    metrics.series("elapsed_s", xs, ys);
    if (!ys.empty()) summary.push_back({"training time (this session)", human_duration(ys.back())});
    metrics.series("tokens", xs, ys);
    if (!ys.empty()) summary.push_back({"tokens seen", human_count(ys.back())});
  }
  if (parameters >= 0) {
    summary.push_back({"parameters", fmt::format("{} ({})", human_count(static_cast<double>(parameters)), parameters)});
    subtitle = human_count(static_cast<double>(parameters)) + " parameters · " + subtitle;
  }
  if (model_config.json.is_object()) {
    std::string shape;
    for (const char* key : {"model_type", "n_layer", "n_head", "n_embd", "block_size", "vocab_size", "positions"}) {
      if (!model_config.json.contains(key)) continue;
      const auto& v = model_config.json[key];
      shape += fmt::format("{}{}={}", shape.empty() ? "" : ", ", key, v.is_string() ? v.get<std::string>() : v.dump());
    }
    if (!shape.empty()) summary.push_back({"model", shape});
  }

  bool chinese = false;
  for (const auto& s : samples) chinese = chinese || has_cjk(s.text);
  HtmlPage page("Training run: " + (dir.has_filename() ? dir : dir.parent_path()).filename().string(), subtitle, chinese ? "zh" : "en");
  if (!metrics.warning.empty()) page.note(metrics.warning);

  page.section("Summary").key_values(summary);

  // Learning curves.
  auto chart = [&](std::string title, bool log_y = false) {
    LineChartOptions o;
    o.title = std::move(title);
    o.x_label = "step";
    o.log_y = log_y;
    o.width = options.chart_width;
    o.height = options.chart_height;
    return o;
  };
  std::vector<std::string> figures;
  if (!loss_y.empty() || !val_y.empty()) {
    std::vector<Series> loss_series;
    if (!loss_y.empty()) loss_series.push_back({"train", loss_x, loss_y, {}});
    if (!val_y.empty()) loss_series.push_back({"validation", val_x, val_y, std::string(kPalette[1])});
    figures.push_back(line_chart_svg(loss_series, chart("Loss")));
  }
  if (!lr_y.empty()) figures.push_back(line_chart_svg({{"learning rate", lr_x, lr_y, std::string(kPalette[4])}}, chart("Learning rate")));
  if (!rate_y.empty()) figures.push_back(line_chart_svg({{"tokens/s", rate_x, rate_y, std::string(kPalette[3])}}, chart("Training tokens/s")));
  if (!grad_y.empty())
    figures.push_back(line_chart_svg({{"gradient norm", grad_x, grad_y, std::string(kPalette[2])}},
                                     chart("Gradient norm (before clipping, log scale)", /*log_y=*/true)));
  std::vector<std::string> other;
  for (const auto& key : metrics.keys) {
    if (kKnownKeys.count(key)) continue;
    std::vector<double> xs, ys;
    metrics.series(key, xs, ys);
    other.push_back(line_chart_svg({{pretty_key(key), xs, ys, std::string(kPalette[6])}}, chart(pretty_key(key))));
  }
  page.section("Learning curves");
  if (figures.empty()) page.note("metrics.jsonl has no loss, lr, tokens/s or gradient norm fields.");
  else page.figures(figures);
  if (!other.empty()) page.section("Other metrics").figures(other);

  // Samples, newest last.
  if (!samples.empty()) {
    page.section("Samples");
    const std::size_t first = samples.size() > options.max_samples ? samples.size() - options.max_samples : 0;
    if (first > 0) page.note(fmt::format("The last {} of {} samples.", samples.size() - first, samples.size()));
    HtmlTable t;
    t.header = {"step", "prompt", "generated text"};
    t.numeric = {true, false, false};
    for (std::size_t i = first; i < samples.size(); ++i) {
      const Sample& s = samples[i];
      t.rows.push_back({s.step >= 0 ? fmt::format("{:.0f}", s.step) : "", s.prompt, s.text});
    }
    page.table(t);
  }

  page.section("Configuration");
  if (train_config.present) {
    if (!train_config.problem.empty()) page.note(train_config.problem);
    else page.paragraph("train_config.json (the effective config, after --set overrides):").code(train_config.text);
  } else {
    page.note("No train_config.json in the run directory.");
  }
  if (model_config.present) {
    if (!model_config.problem.empty()) page.note(model_config.problem);
    else page.paragraph("model/config.json:").code(model_config.text);
  }
  page.note(fmt::format("{} metric records from {}.", metrics.records.size(), metrics_path.string()));
  return page.render();
}

}  // namespace lmforge::report
