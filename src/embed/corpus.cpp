#include "lmforge/embed/corpus.h"

#include <algorithm>
#include <numeric>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "embed/word_table.h"

namespace lmforge::embed {

Tokenization parse_tokenization(const std::string& name) {
  if (name == "auto") return Tokenization::kAuto;
  if (name == "words") return Tokenization::kWords;
  if (name == "whitespace" || name == "none") return Tokenization::kWhitespace;
  usage_error("unknown tokenization '{}' (expected auto, words or whitespace)", name);
}

namespace {

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0xF900 && c <= 0xFAFF);
}

// Punctuation and symbols that separate words in kWords mode (ASCII handled apart).
bool is_separator(char32_t c) {
  return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) ||
         (c >= 0x20A0 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
         (c >= 0xFF5B && c <= 0xFF65) || c == 0xFEFF || c == utf8::kReplacement;
}

bool ascii_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void split_words(std::string_view s, std::vector<std::string_view>& words) {
  std::size_t i = 0, start = std::string_view::npos;
  auto flush = [&](std::size_t end) {
    if (start != std::string_view::npos && end > start) words.push_back(s.substr(start, end - start));
    start = std::string_view::npos;
  };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool word = ascii_word_char(c);
      // An apostrophe between letters stays inside the word: don't, king's.
      if (c == '\'' && start != std::string_view::npos && i + 1 < s.size() &&
          ascii_word_char(static_cast<unsigned char>(s[i + 1])))
        word = true;
      if (word) {
        if (start == std::string_view::npos) start = i;
      } else {
        flush(i);
      }
      ++i;
      continue;
    }
    std::size_t at = i;
    char32_t cp = utf8::decode(s, i);
    if (is_separator(cp)) {
      flush(at);
    } else if (start == std::string_view::npos) {
      start = at;
    }
  }
  flush(s.size());
}

void split_whitespace(std::string_view s, std::vector<std::string_view>& words) {
  std::size_t i = 0, start = std::string_view::npos;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') len = 1;
    else if (c == 0xE3 && i + 2 < s.size() && s[i + 1] == '\x80' && s[i + 2] == '\x80') len = 3;  // U+3000
    if (len) {
      if (start != std::string_view::npos) words.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
      i += len;
    } else {
      if (start == std::string_view::npos) start = i;
      ++i;
    }
  }
  if (start != std::string_view::npos) words.push_back(s.substr(start));
}

// Collects word ids while reading; prunes and renumbers at the end.
class CorpusBuilder {
 public:
  CorpusBuilder(const CorpusOptions& options) : options_(options) {}

  void add_record(std::string_view text) {
    if (!decided_) {
      pending_.emplace_back(text);
      pending_bytes_ += text.size();
      if (pending_bytes_ >= (64u << 10)) decide();
      return;
    }
    add_decided(text);
  }

  Corpus finish() {
    if (!decided_) decide();
    Corpus corpus;
    corpus.tokenization = mode_;
    corpus.raw_words = raw_words_;
    // Vocabulary: words with count >= min_count, most frequent first.
    std::vector<std::uint32_t> order;
    for (std::uint32_t id = 0; id < table_.size(); ++id)
      if (table_.count(id) >= options_.min_count) order.push_back(id);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (table_.count(a) != table_.count(b)) return table_.count(a) > table_.count(b);
      return table_.word(a) < table_.word(b);
    });
    if (options_.max_vocab && order.size() > options_.max_vocab) order.resize(options_.max_vocab);
    std::vector<std::uint32_t> remap(table_.size(), Corpus::kSentenceEnd);
    corpus.vocab.words.reserve(order.size());
    for (std::uint32_t rank = 0; rank < order.size(); ++rank) {
      remap[order[rank]] = rank;
      corpus.vocab.words.emplace_back(table_.word(order[rank]));
      corpus.vocab.counts.push_back(table_.count(order[rank]));
      corpus.vocab.total += table_.count(order[rank]);
    }
    // Renumber in place, dropping rare words and empty sentences, cutting long ones.
    std::size_t out = 0, in_sentence = 0;
    for (std::uint32_t id : raw_) {
      if (id == Corpus::kSentenceEnd) {
        if (in_sentence) raw_[out++] = Corpus::kSentenceEnd;
        in_sentence = 0;
        continue;
      }
      std::uint32_t mapped = remap[id];
      if (mapped == Corpus::kSentenceEnd) continue;
      if (options_.max_sentence && in_sentence == options_.max_sentence) {
        raw_[out++] = Corpus::kSentenceEnd;
        in_sentence = 0;
      }
      raw_[out++] = mapped;
      ++in_sentence;
    }
    if (in_sentence) raw_[out++] = Corpus::kSentenceEnd;
    raw_.resize(out);
    raw_.shrink_to_fit();
    corpus.tokens = std::move(raw_);
    return corpus;
  }

 private:
  void decide() {
    mode_ = options_.tokenization;
    if (mode_ == Tokenization::kAuto) {
      std::string sample;
      for (auto& p : pending_) (sample += p) += '\n';
      mode_ = cjk_share(sample) > 0.3 ? Tokenization::kWhitespace : Tokenization::kWords;
    }
    decided_ = true;
    for (auto& p : pending_) add_decided(p);
    pending_.clear();
  }

  void add_decided(std::string_view text) {
    if (options_.lowercase) {
      scratch_.assign(text);
      for (char& c : scratch_)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      text = scratch_;
    }
    words_.clear();
    if (mode_ == Tokenization::kWords) split_words(text, words_);
    else split_whitespace(text, words_);
    if (words_.empty()) return;
    for (auto w : words_) raw_.push_back(table_.add(w));
    raw_.push_back(Corpus::kSentenceEnd);
    raw_words_ += words_.size();
  }

  CorpusOptions options_;
  Tokenization mode_ = Tokenization::kWords;
  bool decided_ = false;
  std::vector<std::string> pending_;
  std::size_t pending_bytes_ = 0;
  WordTable table_;
  std::vector<std::uint32_t> raw_;
  std::vector<std::string_view> words_;
  std::string scratch_;
  std::uint64_t raw_words_ = 0;
};

}  // namespace

double cjk_share(std::string_view text) {
  std::size_t cjk = 0, visible = 0, i = 0;
  while (i < text.size()) {
    char32_t c = utf8::decode(text, i);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000) continue;
    ++visible;
    if (is_cjk(c)) ++cjk;
  }
  return visible ? static_cast<double>(cjk) / visible : 0.0;
}

void tokenize(std::string_view text, Tokenization mode, bool lowercase, std::string& scratch,
              std::vector<std::string_view>& words) {
  if (lowercase) {
    scratch.assign(text);
    for (char& c : scratch)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    text = scratch;
  }
  if (mode == Tokenization::kAuto) mode = cjk_share(text) > 0.3 ? Tokenization::kWhitespace : Tokenization::kWords;
  if (mode == Tokenization::kWords) split_words(text, words);
  else split_whitespace(text, words);
}

Corpus read_corpus(const std::string& path, const RecordReaderOptions& reader_options, const CorpusOptions& options,
                   const ProgressCallback& progress) {
  RecordReader reader(path, reader_options);
  ProgressMeter meter(progress, static_cast<double>(reader.total_bytes()), "B");
  CorpusBuilder builder(options);
  Record record;
  while (reader.next(record)) {
    builder.add_record(record.text);
    meter.update(static_cast<double>(reader.bytes_read()));
  }
  Corpus corpus = builder.finish();
  meter.finish(fmt::format("{} words, vocabulary {}", corpus.raw_words, corpus.vocab.size()));
  if (corpus.vocab.size() == 0)
    runtime_error("{}: no word occurs at least {} times (lower --min-count?)", path, options.min_count);
  return corpus;
}

Corpus corpus_from_lines(const std::vector<std::string>& lines, const CorpusOptions& options) {
  CorpusBuilder builder(options);
  for (auto& line : lines) builder.add_record(line);
  return builder.finish();
}

}  // namespace lmforge::embed
