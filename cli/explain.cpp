// `lmforge explain MODEL`: why a classifier labels a text as it does: per-token contributions
// of the linear backend (lmforge/classify/explain.h), as terminal colours and/or an HTML page
// with highlighted tokens.
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "lmforge/classify/explain.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/report/html_page.h"
#include "lmforge/report/svg_chart.h"
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

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "explain",
        "Explain a classifier's predictions: each token's contribution to the label (linear backend: its weights), "
        "coloured in the terminal (green supports the label, red goes against it) and/or highlighted in an HTML page");
    cmd->add_option("model", model_dir, "Model directory (from `lmforge classify train`)")->required();
    cmd->add_option("--text", texts, "A text to explain; repeatable");
    cmd->add_option("-i,--input", input, "Or a file of texts (csv/tsv/jsonl column, or txt lines)");
    cmd->add_option("--text-column", text_column, "Column or key of the text in --input (default: the model's)");
    cmd->add_option("--limit", limit, "Explain at most this many texts of --input")->capture_default_str();
    cmd->add_option("--label", label, "Explain this label instead of the predicted one");
    cmd->add_option("--html", html, "Also write an HTML page with the highlighted texts");
    cmd->add_flag("--no-color", no_color, "Print token[score] instead of colours (the default when stdout is not a terminal)");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (texts.empty() && input.empty()) usage_error("give --text TEXT or --input FILE");
    const auto backend = classify::classifier_backend(model_dir);
    if (backend != "linear") runtime_error("{}: explanations exist for the linear backend only (this is '{}')", model_dir, backend);
    const auto model = classify::LinearModel::load(model_dir);
    const classify::TextTokenizer tok(model.options.tokenizer);
    if (!input.empty()) {
      classify::TableColumns columns;
      columns.text_column = text_column.empty() ? model.training_info.value("text_column", std::string("text")) : text_column;
      classify::TableReader reader(input, columns);
      for (classify::TableRow row; texts.size() < limit && reader.next(row);)
        if (!row.text.empty()) texts.push_back(row.text);
    }
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
