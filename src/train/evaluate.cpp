#include "lmforge/train/evaluate.h"

#include <cmath>

#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"
#include "lmforge/data/token_dataset.h"
#include "lmforge/nn/gpt.h"
#include "lmforge/nn/safetensors.h"
#include "lmforge/nn/seq2seq.h"
#include "lmforge/nn/threads.h"
#include "lmforge/nn/weights.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/train/checkpoint.h"
#include "lmforge/train/model_files.h"
#include "lmforge/train/paired_data.h"
#include "lmforge/train/seq2seq_eval.h"

namespace lmforge::train {

namespace fs = std::filesystem;

namespace {

fs::path resolve_model_dir(const fs::path& path) {
  if (fs::exists(path / "config.json")) return path;
  if (fs::exists(path / "model" / "config.json")) return path / "model";
  runtime_error("{}: not a model directory (no config.json; `lmforge train` writes <out_dir>/model)", path.string());
}

std::unique_ptr<tok::Tokenizer> load_tokenizer(const fs::path& dir) {
  if (fs::exists(dir / kTokenizerConfigFile)) return tok::Tokenizer::load(dir / read_tokenizer_config(dir).file);
  for (const char* name : {"tokenizer.lmtok", "tokenizer.model"})
    if (fs::exists(dir / name)) return tok::Tokenizer::load(dir / name);
  return nullptr;
}

void load_weights(torch::nn::Module& model, const fs::path& dir) {
  const auto path = dir / "model.safetensors";
  nn::load_module_weights(model, nn::read_safetensors(path).tensors, path.string());
  model.eval();
}

nlohmann::json evaluate_gpt(const nlohmann::json& config, const fs::path& dir, const EvalOptions& o) {
  nn::GPT model(nn::GPTConfig::from_json(config));
  load_weights(*model, dir);
  const std::int64_t block = model->config().block_size;
  std::vector<std::int64_t> stream;  // text file: the encoded text
  std::optional<data::TokenDataset> dataset;
  if (fs::exists(o.data / "meta.json")) {
    if (o.split != "val" && o.split != "train") usage_error("--split must be val or train (got '{}')", o.split);
    dataset.emplace(data::TokenDataset::open(o.data, o.split == "val" ? data::Split::kValidation : data::Split::kTrain));
  } else {
    auto tokenizer = load_tokenizer(dir);
    if (!tokenizer) runtime_error("{}: no tokenizer in the model directory to encode {}", dir.string(), o.data.string());
    std::vector<int> ids;
    tokenizer->encode(read_file(o.data), ids);
    stream.assign(ids.begin(), ids.end());
    if (static_cast<std::int64_t>(stream.size()) <= block)
      runtime_error("{}: {} tokens, fewer than one window of block_size + 1 = {}", o.data.string(), stream.size(), block + 1);
  }
  torch::NoGradGuard no_grad;
  double total = 0;
  std::int64_t windows = 0;
  std::vector<std::int64_t> x(o.batch_size * block), y(o.batch_size * block);
  std::optional<data::SequentialWindows> seq;
  if (dataset)
    seq.emplace(*dataset, data::WindowOptions{.block_size = static_cast<std::size_t>(block),
                                              .batch_size = static_cast<std::size_t>(o.batch_size)});
  std::size_t offset = 0;
  for (std::int64_t b = 0; o.max_batches == 0 || b < o.max_batches; ++b) {
    std::int64_t rows = 0;
    if (seq) {
      rows = static_cast<std::int64_t>(seq->next(x.data(), y.data()));
    } else {
      while (rows < o.batch_size && offset + static_cast<std::size_t>(block) < stream.size()) {
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(offset), block, x.begin() + rows * block);
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(offset + 1), block, y.begin() + rows * block);
        offset += static_cast<std::size_t>(block);
        ++rows;
      }
    }
    if (rows == 0) break;
    auto xt = torch::from_blob(x.data(), {rows, block}, torch::kLong);
    auto yt = torch::from_blob(y.data(), {rows, block}, torch::kLong);
    total += nn::lm_loss(model->forward(xt), yt).item<double>() * static_cast<double>(rows);
    windows += rows;
  }
  if (windows == 0) runtime_error("{}: no window of {} tokens to evaluate", o.data.string(), block + 1);
  const double loss = total / static_cast<double>(windows);
  return {{"model_type", "gpt"}, {"loss", loss}, {"perplexity", std::exp(loss)}, {"tokens", windows * block}};
}

nlohmann::json evaluate_seq2seq(const nlohmann::json& config, const fs::path& dir, const EvalOptions& o) {
  nn::Seq2Seq model(nn::Seq2SeqConfig::from_json(config));
  load_weights(*model, dir);
  auto tokenizer = load_tokenizer(dir);
  if (!tokenizer) runtime_error("{}: no tokenizer in the model directory", dir.string());
  const std::int64_t pad = model->config().pad_id, bos = tokenizer->bos_id(), eos = tokenizer->eos_id();
  PairedDataOptions paired;
  paired.path = o.data.string();
  paired.source_column = o.source_column;
  paired.target_column = o.target_column;
  paired.val_fraction = 0;
  auto pairs = read_paired_data(paired, 0).train;
  if (o.max_batches > 0 && static_cast<std::int64_t>(pairs.size()) > o.max_batches * o.batch_size)
    pairs.resize(static_cast<std::size_t>(o.max_batches * o.batch_size));
  std::vector<std::vector<std::int64_t>> sources, targets;
  std::vector<std::string> references;
  std::size_t longest = 1;
  for (const auto& p : pairs) {
    auto s = tokenizer->encode(p.source);
    auto t = tokenizer->encode(p.target);
    sources.emplace_back(s.begin(), s.end());
    sources.back().push_back(eos);
    targets.emplace_back(t.begin(), t.end());
    references.push_back(p.target);
    longest = std::max(longest, t.size());
  }
  torch::NoGradGuard no_grad;
  double total = 0, tokens = 0;
  for (std::size_t start = 0; start < sources.size(); start += static_cast<std::size_t>(o.batch_size)) {
    const std::size_t end = std::min(sources.size(), start + static_cast<std::size_t>(o.batch_size));
    const auto rows = static_cast<std::int64_t>(end - start);
    std::size_t s_len = 1, t_len = 1;
    for (std::size_t i = start; i < end; ++i) s_len = std::max(s_len, sources[i].size()), t_len = std::max(t_len, targets[i].size() + 1);
    std::vector<std::int64_t> src(rows * s_len, pad), tin(rows * t_len, pad), tout(rows * t_len, pad);
    for (std::size_t i = start; i < end; ++i) {
      const auto r = i - start;
      std::copy(sources[i].begin(), sources[i].end(), src.begin() + static_cast<std::ptrdiff_t>(r * s_len));
      tin[r * t_len] = bos;
      std::copy(targets[i].begin(), targets[i].end(), tin.begin() + static_cast<std::ptrdiff_t>(r * t_len + 1));
      std::copy(targets[i].begin(), targets[i].end(), tout.begin() + static_cast<std::ptrdiff_t>(r * t_len));
      tout[r * t_len + targets[i].size()] = eos;
    }
    auto to = [&](std::vector<std::int64_t>& v, std::size_t len) {
      return torch::from_blob(v.data(), {rows, static_cast<std::int64_t>(len)}, torch::kLong);
    };
    auto out = to(tout, t_len);
    const double count = out.ne(pad).sum().item<double>();
    total += nn::seq2seq_loss(model->forward(to(src, s_len), to(tin, t_len)), out, pad).item<double>() * count;
    tokens += count;
  }
  const double loss = total / std::max(tokens, 1.0);
  const auto scores = score_greedy_decodes(*model, *tokenizer, sources, references,
                                           {.bos_id = bos, .eos_id = eos, .pad_id = pad,
                                            .max_length = static_cast<std::int64_t>(2 * longest + 10),
                                            .batch_size = o.batch_size, .tokenize = o.tokenize},
                                           torch::Device(torch::kCPU));
  nlohmann::json samples = nlohmann::json::array();
  for (std::size_t i = 0; i < std::min<std::size_t>(5, pairs.size()); ++i)
    samples.push_back({{"source", pairs[i].source}, {"output", scores.hypotheses[i]}, {"reference", pairs[i].target}});
  return {{"model_type", "seq2seq"}, {"loss", loss},           {"perplexity", std::exp(loss)},
          {"tokens", tokens},        {"pairs", pairs.size()},  {"bleu", scores.bleu},
          {"chrf", scores.chrf},     {"bleu_tokenize", o.tokenize}, {"samples", samples}};
}

}  // namespace

nlohmann::json evaluate_model(const EvalOptions& o) {
  if (o.batch_size < 1) usage_error("--batch-size must be >= 1");
  nn::configure_threads({.torch_threads = o.threads, .blas_threads = 1});
  const fs::path dir = resolve_model_dir(o.model_dir);
  if (!fs::exists(o.data)) runtime_error("{}: no such file or directory", o.data.string());
  const auto config = read_model_config(dir);
  const std::string type = config.value("model_type", std::string("gpt"));
  if (type == "gpt") return evaluate_gpt(config, dir, o);
  if (type == "seq2seq") return evaluate_seq2seq(config, dir, o);
  runtime_error("{}: model_type '{}' cannot be evaluated here (gpt, seq2seq)", dir.string(), type);
}

}  // namespace lmforge::train
