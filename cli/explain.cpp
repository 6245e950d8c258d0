// `lmforge explain MODEL`: why a classifier labels a text as it does: per-token contributions
// of the linear backend (lmforge/classify/explain.h) or integrated gradients over the token
// embeddings of the neural one (train/classifier_predictor.h, through lmforge_nn.so), as terminal
// colours and/or an HTML page with highlighted tokens.
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "lmforge/classify/explain.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/report/html_page.h"
#include "lmforge/report/svg_chart.h"
#include "neural_classifier.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

struct ExplainCommand {
  std::string model_dir;
  std::vector<std::string> texts;
  std::string input;
  std::string text_column;
  std::string label;
  std::string html;
  std::size_t limit = 20;
  bool no_color = false;
  int steps = 32;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "explain",
        "Explain a classifier's predictions: each token's contribution to the label (linear backend: its weights; "
        "neural backend: integrated gradients over the token embeddings), "
        "coloured in the terminal (green supports the label, red goes against it) and/or highlighted in an HTML page");
    cmd->add_option("model", model_dir, "Model directory (from `lmforge classify train`)")->required();
    cmd->add_option("--text", texts, "A text to explain; repeatable");
    cmd->add_option("-i,--input", input, "Or a file of texts (csv/tsv/jsonl column, or txt lines)");
    cmd->add_option("--text-column", text_column, "Column or key of the text in --input (default: the model's)");
    cmd->add_option("--limit", limit, "Explain at most this many texts of --input")->capture_default_str();
    cmd->add_option("--label", label, "Explain this label instead of the predicted one");
    cmd->add_option("--html", html, "Also write an HTML page with the highlighted texts");
    cmd->add_option("--steps", steps, "Neural backend: integrated-gradient steps (0: gradient x input)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1024));
    cmd->add_flag("--no-color", no_color, "Print token[score] instead of colours (the default when stdout is not a terminal)");
    cmd->callback([this] { run(); });
  }

  // Reads up to --limit texts of --input.
  void read_input(const std::string& default_column) {
    if (input.empty()) return;
    classify::TableColumns columns;
    columns.text_column = text_column.empty() ? default_column : text_column;
    classify::TableReader reader(input, columns);
    for (classify::TableRow row; texts.size() < limit && reader.next(row);)
      if (!row.text.empty()) texts.push_back(row.text);
  }

  // Integrated gradients in the linear explanation's shape: the scores sum to the label's logit
  // minus its logit at the zero-embedding baseline (shown as the "bias").
  void run_neural() {
    NeuralClassifier model(model_dir, 0);
    read_input(model.info().value("text_column", std::string("text")));
    int label_index = -1;
    if (!label.empty() && (label_index = model.label_id(label)) < 0)
      usage_error("--label '{}': the model's labels are {}", label, model.info()["labels"].dump());
    const bool colour = !no_color && isatty(STDOUT_FILENO);
    report::HtmlPage page("Explanations: " + model_dir,
                          "integrated gradients · green: supports the label · red: against it (hover for the score)");
    page.section("Texts");
    for (const auto& text : texts) {
      const auto r = model.explain(text, steps, label_index);
      classify::Explanation e;
      const auto k = r["label"].get<std::size_t>();
      const auto probs = r["probabilities"].get<std::vector<double>>();
      e.label = model.labels()[k];
      e.probability = probs[k];
      for (std::size_t i = 0; i < probs.size(); ++i) e.probabilities.emplace_back(model.labels()[i], probs[i]);
      const auto tokens = r["tokens"].get<std::vector<std::string>>();
      const auto scores = r["scores"].get<std::vector<double>>();
      for (std::size_t i = 0; i < tokens.size(); ++i) e.tokens.push_back({tokens[i], scores[i]});
      e.bias = r["baseline_logit"].get<double>();
      std::string line;
      for (const auto& [l, p] : e.probabilities) line += fmt::format("{}{} {:.3f}", line.empty() ? "" : ", ", l, p);
      std::printf("%s (%.3f)   [%s]   logit %+.3f = baseline %+.3f + tokens\n%s\n\n", e.label.c_str(), e.probability,
                  line.c_str(), r["logit"].get<double>(), e.bias, classify::explanation_terminal(e, colour).c_str());
      page.raw_html(fmt::format("<h3>{} ({:.3f})</h3><p class=\"note\">{}</p>", report::xml_escape(e.label),
                                e.probability, report::xml_escape(line)) +
                    classify::explanation_html(e));
    }
    if (!html.empty()) write_file_atomic(html, page.render());
  }

  void run() {
    if (texts.empty() && input.empty()) usage_error("give --text TEXT or --input FILE");
    if (is_neural_classifier_dir(model_dir)) return run_neural();
    const auto backend = classify::classifier_backend(model_dir);
    if (backend != "linear") runtime_error("{}: explanations exist for the linear backend only (this is '{}')", model_dir, backend);
    const auto model = classify::LinearModel::load(model_dir);
    const classify::TextTokenizer tok(model.options.tokenizer);
    read_input(model.training_info.value("text_column", std::string("text")));
    const bool colour = !no_color && isatty(STDOUT_FILENO);
    report::HtmlPage page("Explanations: " + model_dir, "green: supports the label · red: against it (hover for the score)");
    page.section("Texts");
    for (const auto& text : texts) {
      const auto e = classify::explain_linear(model, tok, text, label);
      std::string probs;
      for (const auto& [l, p] : e.probabilities) probs += fmt::format("{}{} {:.3f}", probs.empty() ? "" : ", ", l, p);
      std::printf("%s (%.3f)   [%s]   bias %+.3f\n%s\n\n", e.label.c_str(), e.probability, probs.c_str(), e.bias,
                  classify::explanation_terminal(e, colour).c_str());
      page.raw_html(fmt::format("<h3>{} ({:.3f})</h3><p class=\"note\">{}</p>", report::xml_escape(e.label), e.probability,
                                report::xml_escape(probs)) +
                    classify::explanation_html(e));
    }
    if (!html.empty()) write_file_atomic(html, page.render());
  }
};

void add_explain_command(CLI::App& root) {
  static ExplainCommand explain;
  explain.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(62, add_explain_command);

}  // namespace lmforge::cli
