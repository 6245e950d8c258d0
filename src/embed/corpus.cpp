#include "lmforge/embed/corpus.h"

#include <algorithm>
#include <numeric>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/text/segment.h"
#include "embed/word_table.h"

#include <thread>

namespace lmforge::embed {

Tokenization parse_tokenization(const std::string& name) {
  if (name == "auto") return Tokenization::kAuto;
  if (name == "words") return Tokenization::kWords;
  if (name == "whitespace" || name == "none") return Tokenization::kWhitespace;
  if (name == "dict" || name == "dictionary") return Tokenization::kDictionary;
  if (name == "icu") return Tokenization::kIcu;
  usage_error("unknown segmentation '{}' (expected auto, dict, icu, words or whitespace)", name);
}

std::string tokenization_name(Tokenization mode) {
  switch (mode) {
    case Tokenization::kAuto: return "auto";
    case Tokenization::kWords: return "words";
    case Tokenization::kWhitespace: return "whitespace";
    case Tokenization::kDictionary: return "dict";
    case Tokenization::kIcu: return "icu";
  }
  return "?";
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

// True when every character of `word` is punctuation, a symbol or a space.
bool is_punctuation(std::string_view word) {
  std::size_t i = 0;
  while (i < word.size()) {
    auto c = static_cast<unsigned char>(word[i]);
    if (c < 0x80) {
      if (ascii_word_char(c)) return false;
      ++i;
      continue;
    }
    if (!is_separator(utf8::decode(word, i))) return false;
  }
  return true;
}

// Collects word ids while reading; prunes and renumbers at the end. Records are tokenized in
// batches by several threads (segmentation is the slow part) and counted in input order, so
// the result does not depend on the number of threads.
class CorpusBuilder {
 public:
  CorpusBuilder(const CorpusOptions& options) : options_(options) {}

  void add_record(std::string_view text) {
    batch_.emplace_back(text);
    batch_bytes_ += text.size();
    if (batch_bytes_ >= kBatchBytes) flush();
  }

  Corpus finish() {
    flush();
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
    // Renumber, dropping rare words and empty sentences, cutting long ones. Into a new array:
    // a cut adds a sentence end, so writing in place could overtake the reading.
    std::vector<std::uint32_t> tokens;
    tokens.reserve(raw_.size() + (options_.max_sentence ? raw_.size() / options_.max_sentence + 1 : 0));
    std::size_t in_sentence = 0;
    for (std::uint32_t id : raw_) {
      if (id == Corpus::kSentenceEnd) {
        if (in_sentence) tokens.push_back(Corpus::kSentenceEnd);
        in_sentence = 0;
        continue;
      }
      std::uint32_t mapped = remap[id];
      if (mapped == Corpus::kSentenceEnd) continue;
      if (options_.max_sentence && in_sentence == options_.max_sentence) {
        tokens.push_back(Corpus::kSentenceEnd);
        in_sentence = 0;
      }
      tokens.push_back(mapped);
      ++in_sentence;
    }
    if (in_sentence) tokens.push_back(Corpus::kSentenceEnd);
    std::vector<std::uint32_t>().swap(raw_);
    corpus.tokens = std::move(tokens);
    return corpus;
  }

 private:
  static constexpr std::size_t kBatchBytes = 4u << 20;

  void decide() {
    mode_ = options_.tokenization;
    if (mode_ == Tokenization::kAuto) {
      std::string sample;
      for (auto& p : batch_) {
        (sample += p) += '\n';
        if (sample.size() > (64u << 10)) break;
      }
      mode_ = detect_tokenization(sample);
    }
    if (mode_ == Tokenization::kDictionary || mode_ == Tokenization::kIcu) {
      text::SegmenterOptions so;
      so.mode = mode_ == Tokenization::kIcu ? text::SegmentMode::kIcu : text::SegmentMode::kDictionary;
      segmenter_ = text::make_segmenter(so);
    }
    decided_ = true;
  }

  // Words of records [begin, end) into `words`, with one empty view ending each record.
  void tokenize_range(std::size_t begin, std::size_t end, std::vector<std::string_view>& words) {
    std::string scratch;
    for (std::size_t r = begin; r < end; ++r) {
      std::string& text = batch_[r];
      if (options_.lowercase)
        for (char& c : text)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      std::size_t first = words.size();
      if (segmenter_) {
        segmenter_->cut(text, words);
        if (!options_.keep_punctuation)
          words.erase(std::remove_if(words.begin() + static_cast<std::ptrdiff_t>(first), words.end(), is_punctuation),
                      words.end());
      } else {
        tokenize(text, mode_, false, scratch, words);
      }
      words.emplace_back();
    }
  }

  void flush() {
    if (batch_.empty()) return;
    if (!decided_) decide();
    const std::size_t threads =
        std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(options_.threads), batch_.size()));
    std::vector<std::vector<std::string_view>> parts(threads);
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < threads; ++t)
      workers.emplace_back([&, t] { tokenize_range(batch_.size() * t / threads, batch_.size() * (t + 1) / threads, parts[t]); });
    tokenize_range(0, batch_.size() / threads, parts[0]);
    for (auto& w : workers) w.join();
    for (auto& part : parts) {
      std::size_t in_record = 0;
      for (auto w : part) {
        if (w.empty()) {
          if (in_record) raw_.push_back(Corpus::kSentenceEnd);
          in_record = 0;
          continue;
        }
        raw_.push_back(table_.add(w));
        ++in_record;
        ++raw_words_;
      }
    }
    batch_.clear();
    batch_bytes_ = 0;
  }

  CorpusOptions options_;
  Tokenization mode_ = Tokenization::kWords;
  bool decided_ = false;
  std::unique_ptr<text::Segmenter> segmenter_;
  std::vector<std::string> batch_;
  std::size_t batch_bytes_ = 0;
  WordTable table_;
  std::vector<std::uint32_t> raw_;
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

Tokenization detect_tokenization(std::string_view sample) {
  std::size_t cjk = 0, spaces = 0, i = 0;
  while (i < sample.size()) {
    char32_t c = utf8::decode(sample, i);
    if (c == ' ' || c == 0x3000) ++spaces;
    else if (is_cjk(c)) ++cjk;
  }
  if (cjk_share(sample) <= 0.3) return Tokenization::kWords;
  // Already segmented text has a space every two or three characters.
  return spaces * 5 > cjk ? Tokenization::kWhitespace : Tokenization::kDictionary;
}

void tokenize(std::string_view text, Tokenization mode, bool lowercase, std::string& scratch,
              std::vector<std::string_view>& words) {
  if (lowercase) {
    scratch.assign(text);
    for (char& c : scratch)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    text = scratch;
  }
  if (mode == Tokenization::kAuto) mode = detect_tokenization(text);
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
