// `lmforge explain MODEL`: why a classifier labels a text as it does: per-token contributions
// of the linear backend (lmforge/classify/explain.h) or integrated gradients over the token
// embeddings of the neural one (train/classifier_predictor.h, through lmforge_nn.so), as terminal
// colours and/or an HTML page with highlighted tokens.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

#include "lmforge/classify/explain.h"
#include "lmforge/classify/table_reader.h"
#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/report/html_page.h"
#include "lmforge/report/svg_chart.h"
#include "generate_client.h"
#include "lmforge/tokenizer/tokenizer.h"
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
  bool seq2seq = false;
  int max_output = 64;

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
    cmd->add_flag("--seq2seq", seq2seq,
                  "The model is a seq2seq model (from `lmforge train`): decode each text greedily and show the "
                  "attention matrix (output token x source token) as an SVG heat map in --html");
    cmd->add_option("--max-output", max_output, "--seq2seq: longest output in tokens")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
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

  // Seq2seq: the attention weights of each greedy output token over the source tokens.
  void run_seq2seq() {
    namespace fs = std::filesystem;
    fs::path dir = model_dir;
    if (!fs::exists(dir / "config.json") && fs::exists(dir / "model" / "config.json")) dir /= "model";
    std::string tokenizer_file = "tokenizer.lmtok";
    if (fs::exists(dir / "tokenizer_config.json"))
      tokenizer_file = nlohmann::json::parse(read_file(dir / "tokenizer_config.json")).value("tokenizer_file", tokenizer_file);
    const auto tokenizer = tok::Tokenizer::load(dir / tokenizer_file);
    read_input("source");
    GenerateClient client(dir.string(), 0);
    report::HtmlPage page("Attention: " + model_dir, "rows: output tokens · columns: source tokens · darker: more attention");
    page.section("Texts");
    const auto pieces = [&](const std::vector<int>& ids) {
      std::vector<std::string> out;
      for (int id : ids) out.push_back(tokenizer->id_to_piece(id));
      return out;
    };
    for (const auto& text : texts) {
      auto result = client.run({{"prompt", text}, {"return_attention", true}, {"max_new_tokens", max_output}});
      const auto& sample = result.at("samples").at(0);
      if (!sample.contains("attention")) runtime_error("{}: the model returned no attention (is it a seq2seq model?)", model_dir);
      const auto attention = sample["attention"].get<std::vector<std::vector<double>>>();
      const auto source = pieces(tokenizer->encode(text));
      const auto output = pieces(sample["tokens"].get<std::vector<int>>());
      if (attention.size() < output.size() || (!attention.empty() && attention[0].size() != source.size()))
        runtime_error("attention matrix {}x{} does not fit {} output and {} source tokens", attention.size(),
                      attention.empty() ? 0 : attention[0].size(), output.size(), source.size());
      const std::vector<std::vector<double>> rows(attention.begin(), attention.begin() + static_cast<std::ptrdiff_t>(output.size()));
      std::printf("%s -> %s\n", text.c_str(), sample["text"].get<std::string>().c_str());
      for (std::size_t t = 0; t < output.size(); ++t) {
        const auto best = std::max_element(rows[t].begin(), rows[t].end()) - rows[t].begin();
        std::printf("  %s <- %s (%.2f)\n", output[t].c_str(), source[static_cast<std::size_t>(best)].c_str(), rows[t][best]);
      }
      std::printf("\n");
      report::HeatMapOptions o;
      o.title = text + " → " + sample["text"].get<std::string>();
      o.x_label = "source token";
      o.y_label = "output token";
      o.min = 0;
      o.max = 1;
      page.raw_html(fmt::format("<h3>{}</h3>", report::xml_escape(o.title)) +
                    (rows.empty() ? std::string("<p>(empty output)</p>") : report::heat_map_svg(rows, output, source, o)));
    }
    if (!html.empty()) write_file_atomic(html, page.render());
  }

  void run() {
    if (texts.empty() && input.empty()) usage_error("give --text TEXT or --input FILE");
    if (seq2seq) return run_seq2seq();
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
