// GGUF tokenizers (gguf_tokenizer.h) against the tokenizers their vocabularies were exported from
// (gguf_vocab.h): byte-level BPE fixtures give the Hugging Face ids on every text; SentencePiece
// ones (ours, Llama 2's) give our ids wherever llama.cpp's tokenizer can agree (no normalization
// to apply, no whitespace to collapse), and the documented difference where it cannot. Llama 2's
// GGUF also reproduces transformers' legacy LlamaTokenizer, which splits special tokens as
// llama.cpp does.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "lmforge/common/error.h"
#include "lmforge/export/gguf_vocab.h"
#include "lmforge/export/gguf_writer.h"
#include "lmforge/tokenizer/gguf_tokenizer.h"
#include "lmforge/tokenizer/hf_tokenizer.h"
#include "lmforge/tokenizer/normalizer.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/tokenizer/trainer.h"

namespace fs = std::filesystem;
using namespace lmforge;

namespace {

const fs::path kSource = LMFORGE_SOURCE_DIR;

struct TempFile {
  fs::path path;
  TempFile() {
    static int n = 0;
    path = fs::temp_directory_path() / fmt::format("lmforge-gguf-tok-{}-{}.gguf", getpid(), n++);
  }
  ~TempFile() { fs::remove(path); }
};

const std::vector<std::string> kTexts = {
    "Hello world! I'm testing 12345 tokens, DON'T they're.",
    "你好，世界。中文和English混合的句子",
    "emoji 😀👍🏽 🎉 done",
    "digits 0 12 345 6789 3.14159 2024-11-29",
    "spaces  between   words and\ttabs",
    "a\nb",
    "line one\nline two\n\nline four\n",
    "ROMEO:\nAnd have then than he the shard",
    "",
    " leading space",
    "trailing space ",
    "   ",
    "\n",
};

void write(const exporting::GgufVocab& vocab, const fs::path& path) {
  gguf::Writer writer;
  writer.set("general.architecture", gguf::Value::string("llama"));
  vocab.write_to(writer);
  writer.write(path);
}

std::vector<std::string> expected_texts() {
  const auto j = nlohmann::json::parse(std::ifstream(kSource / "tests/fixtures/hf/tokenizers/expected.json"));
  return j.at("texts").get<std::vector<std::string>>();
}

// ---- byte-level BPE: every id equal to the Hugging Face tokenizer's --------------------------

struct BpeCase {
  std::string file, pre, bos, eos;
  bool nfc = false;  // the tokenizer.json normalizes to NFC
};

std::string nfc(const std::string& text) {
  UErrorCode status = U_ZERO_ERROR;
  const auto u = icu::Normalizer2::getNFCInstance(status)->normalize(icu::UnicodeString::fromUTF8(text), status);
  std::string out;
  return u.toUTF8String(out);
}

void check_bpe_round_trip(const BpeCase& c) {
  SCOPED_TRACE(c.file);
  const auto hf = tok::HFTokenizer::load(kSource / c.file);
  const int size = hf->vocab_size() + 3;  // padded as model vocabularies are: unused tokens
  const auto vocab = exporting::vocab_from_tokenizer_json(kSource / c.file, size, c.pre, hf->piece_to_id(c.bos),
                                                          c.bos.empty() ? -1 : hf->piece_to_id(c.eos));
  TempFile file;
  write(vocab, file.path);
  const auto gguf = tok::load_gguf_tokenizer(file.path);
  EXPECT_EQ(gguf->vocab_size(), size);
  EXPECT_EQ(gguf->info().model, "gpt2");
  EXPECT_EQ(gguf->info().pre, c.pre);
  auto texts = kTexts;
  for (const auto& t : expected_texts()) texts.push_back(t);
  for (const auto& text : texts) {
    SCOPED_TRACE(text);
    const auto ids = gguf->encode(text);
    if (c.nfc && nfc(text) != text) {  // Qwen2's NFC normalizer: llama.cpp does not apply it
      EXPECT_NE(ids, hf->encode(text));
      EXPECT_EQ(gguf->decode(ids), text);
      continue;
    }
    EXPECT_EQ(ids, hf->encode(text));
    EXPECT_EQ(gguf->decode(ids), hf->decode(ids));
  }
}

TEST(GgufTokenizer, Gpt2EqualsHuggingFace) { check_bpe_round_trip({"tests/fixtures/hf/tokenizers/gpt2.json", "gpt-2", "", ""}); }

TEST(GgufTokenizer, Llama3EqualsHuggingFace) {
  check_bpe_round_trip({"tests/fixtures/hf/tokenizers/llama3.json", "llama-bpe", "<|begin_of_text|>", "<|end_of_text|>"});
}

TEST(GgufTokenizer, Qwen2EqualsHuggingFace) {
  check_bpe_round_trip({"tests/fixtures/hf/tokenizers/qwen2.json", "qwen2", "", "", true});
  check_bpe_round_trip({"tests/fixtures/hf/qwen2-chat/tokenizer.json", "qwen2", "", "", true});
}

TEST(GgufTokenizer, BpeGoldenIdsAndGenerationInfo) {
  const auto j = nlohmann::json::parse(std::ifstream(kSource / "tests/fixtures/hf/tokenizers/expected.json"));
  const fs::path json_file = kSource / "tests/fixtures/hf/tokenizers/qwen2.json";
  auto vocab = exporting::vocab_from_tokenizer_json(json_file, 612, "qwen2", -1, 2);
  TempFile file;
  gguf::Writer writer;
  vocab.write_to(writer);
  writer.set("tokenizer.chat_template", gguf::Value::string("{{ messages }}"));
  writer.write(file.path);
  const auto tok = tok::load_gguf_tokenizer(file.path);
  const auto texts = j.at("texts").get<std::vector<std::string>>();
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (nfc(texts[i]) == texts[i]) EXPECT_EQ(tok->encode(texts[i]), j["qwen2"][i].get<std::vector<int>>()) << texts[i];
  const auto& info = tok->info();
  EXPECT_EQ(info.chat_template, "{{ messages }}");
  EXPECT_FALSE(info.add_bos);
  EXPECT_EQ(info.bos_id, 11);  // llama.cpp's default for a "gpt2" vocabulary without a bos key
  EXPECT_EQ(info.eos_id, 2);
  EXPECT_EQ(info.eot_id, 0);  // known by its text; of <|endoftext|> and <|im_end|>, the first id
  EXPECT_TRUE(info.is_eog(0) && info.is_eog(2) && !info.is_eog(1));  // <|endoftext|>, <|im_end|>, not <|im_start|>
  // Without parse_special, control tokens in the text are plain text.
  const auto plain = tok::load_gguf_tokenizer(file.path, {.parse_special = false});
  EXPECT_EQ(tok->encode("<|im_start|>"), std::vector<int>{1});
  EXPECT_GT(plain->encode("<|im_start|>").size(), 1u);
  EXPECT_EQ(plain->decode(plain->encode("<|im_start|>hi")), "<|im_start|>hi");
  EXPECT_EQ(tok->decode(tok->encode("<|im_start|>hi")), "hi");  // control tokens are not printed
}

// ---- SentencePiece ("llama") ----------------------------------------------------------------

// What llama.cpp's SentencePiece sees: a prefix space, spaces as ▁, nothing else changed.
std::string llama_view(const tok::ModelSpec& spec, const std::string& text) {
  std::string out = spec.normalizer.add_dummy_prefix && !text.empty() ? "\xE2\x96\x81" : "";
  for (char c : text) {
    if (c == ' ') out.append("\xE2\x96\x81");
    else out.push_back(c);
  }
  return out;
}

// Exports `ours`, loads it back, and compares on every text our normalizer leaves as llama.cpp
// sees it; returns how many texts were compared.
int check_spm_round_trip(const tok::Tokenizer& ours, std::vector<std::string>& notes) {
  const auto& spec = ours.spec();
  const auto vocab = exporting::vocab_from_spec(spec, ours.vocab_size(), notes);
  TempFile file;
  write(vocab, file.path);
  const auto gguf = tok::load_gguf_tokenizer(file.path, {.parse_special = false});
  EXPECT_EQ(gguf->info().model, "llama");
  EXPECT_FALSE(gguf->info().add_bos);  // our tokenizers add no bos
  const tok::Normalizer normalizer(spec.normalizer, spec.treat_whitespace_as_suffix);
  int compared = 0;
  for (const auto& text : kTexts) {
    SCOPED_TRACE(text);
    if (normalizer.normalize(text) != llama_view(spec, text)) continue;  // checked below, by kind
    EXPECT_EQ(gguf->encode(text), ours.encode(text));
    ++compared;
  }
  return compared;
}

tok::TrainResult train_ours(const std::string& normalization) {
  std::ifstream in(kSource / "data/corpus/tinyshakespeare.txt");
  std::vector<std::string> lines;
  for (std::string line; lines.size() < 2000 && std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  lines.push_back("你好，世界。中文和英文的句子 emoji 😀");
  tok::TrainerOptions o;
  o.vocab_size = 600;
  o.threads = 1;
  o.normalization = normalization;
  o.user_defined_symbols = {"\n", "<sep>"};  // the newline as README's baby-shakespeare-nl keeps it
  return tok::train_tokenizer(lines, o);
}

TEST(GgufTokenizer, OurTokenizerEqualsOursAfterNewlines) {
  for (const std::string normalization : {"nfkc", "identity"}) {
    SCOPED_TRACE(normalization);
    const auto ours = tok::Tokenizer::from_spec(train_ours(normalization).spec);
    std::vector<std::string> notes;
    EXPECT_GE(check_spm_round_trip(*ours, notes), 8);
    // "<sep>" cannot be written as a normal token: the export says what llama.cpp does with it.
    EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const auto& n) {
      return n.find("user-defined piece(s) \"<sep>\"") != std::string::npos;
    }));
  }
}

// Issue 21: written as a user-defined token, the newline is split off as a special token by
// llama.cpp, which then prefixes the text after it with a space: one more token than ours.
TEST(GgufTokenizer, UserDefinedNewlineGetsAPrefixSpaceInLlamaCpp) {
  const auto ours = tok::Tokenizer::from_spec(train_ours("nfkc").spec);
  std::vector<std::string> notes;
  auto vocab = exporting::vocab_from_spec(ours->spec(), ours->vocab_size(), notes);
  const int newline = ours->piece_to_id("\n");
  ASSERT_EQ(ours->spec().pieces[newline].type, tok::PieceType::kUserDefined);
  EXPECT_EQ(vocab.types[newline], static_cast<std::int64_t>(exporting::TokenType::Normal));
  const std::string text = "ROMEO:\nAnd have then\nthan he";
  TempFile fixed, old;
  write(vocab, fixed.path);
  vocab.types[newline] = static_cast<std::int64_t>(exporting::TokenType::UserDefined);  // the export before the fix
  write(vocab, old.path);
  const auto ids = ours->encode(text);
  EXPECT_EQ(tok::load_gguf_tokenizer(fixed.path)->encode(text), ids);
  const auto old_ids = tok::load_gguf_tokenizer(old.path)->encode(text);
  EXPECT_NE(old_ids, ids);
  EXPECT_EQ(ours->decode(old_ids), "ROMEO:\n And have then\n than he");  // the ▁ llama.cpp added
}

TEST(GgufTokenizer, OurTokenizerDocumentedDifferences) {
  const auto ours = tok::Tokenizer::from_spec(train_ours("nfkc").spec);
  std::vector<std::string> notes;
  const auto vocab = exporting::vocab_from_spec(ours->spec(), ours->vocab_size(), notes);
  TempFile file;
  write(vocab, file.path);
  const auto gguf = tok::load_gguf_tokenizer(file.path);
  // NFKC: ours reads full-width letters as ASCII; llama.cpp does not normalize.
  EXPECT_EQ(ours->encode("ｆｕｌｌ"), ours->encode("full"));
  EXPECT_NE(gguf->encode("ｆｕｌｌ"), ours->encode("ｆｕｌｌ"));
  EXPECT_EQ(gguf->decode(gguf->encode("ｆｕｌｌ")), "ｆｕｌｌ");
  // Extra whitespace: ours collapses and strips it, llama.cpp keeps every space.
  EXPECT_EQ(ours->encode("  a   b  "), ours->encode("a b"));
  EXPECT_EQ(gguf->decode(gguf->encode("  a   b  ")), "  a   b  ");
  EXPECT_GT(gguf->encode("  a   b  ").size(), ours->encode("a b").size());
  bool nfkc_note = false, space_note = false;
  for (const auto& n : notes) nfkc_note |= n.find("'nfkc'") != std::string::npos, space_note |= n.find("runs of spaces") != std::string::npos;
  EXPECT_TRUE(nfkc_note && space_note);
}

TEST(GgufTokenizer, SentencePieceFixtures) {
  for (const std::string name : {"bpe_identity_bytes", "bpe_nmt", "char_identity"}) {
    SCOPED_TRACE(name);
    const auto ours = tok::Tokenizer::load(kSource / "tests/fixtures/sentencepiece" / (name + ".model"));
    std::vector<std::string> notes;
    EXPECT_GE(check_spm_round_trip(*ours, notes), 4);
  }
  // Unigram: llama.cpp merges by score instead of finding the best segmentation; said in a note.
  const auto unigram = tok::Tokenizer::load(kSource / "tests/fixtures/sentencepiece/unigram_nmt_bytes.model");
  std::vector<std::string> notes;
  exporting::vocab_from_spec(unigram->spec(), unigram->vocab_size(), notes);
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const auto& n) { return n.find("unigram") != std::string::npos; }));
}

// Llama 2's tokenizer.model as a GGUF with add_bos (as llama.cpp's converter writes it) gives
// transformers' legacy LlamaTokenizer ids, special tokens in the text included.
TEST(GgufTokenizer, Llama2EqualsTransformersLegacy) {
  const fs::path dir = kSource / "tests/fixtures/hf/llama2-tok";
  const auto ours = tok::Tokenizer::load(dir / "tokenizer.model");
  std::vector<std::string> notes;
  auto vocab = exporting::vocab_from_spec(ours->spec(), ours->vocab_size(), notes);
  vocab.add_bos = true;
  EXPECT_TRUE(notes.empty()) << notes.front();
  TempFile file;
  write(vocab, file.path);
  const auto gguf = tok::load_gguf_tokenizer(file.path);
  const auto j = nlohmann::json::parse(std::ifstream(dir / "expected.json"));
  const auto texts = j.at("texts").get<std::vector<std::string>>();
  int compared = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].find("<pad>") != std::string::npos) continue;  // an added token past tokenizer.model
    EXPECT_EQ(gguf->encode(texts[i]), j["legacy"][i].get<std::vector<int>>()) << texts[i];
    ++compared;
  }
  EXPECT_EQ(compared, 5);
  // llama.cpp starts a new text after a special token: "a" gets the prefix space again.
  EXPECT_EQ(gguf->encode("<s>a</s>b"), (std::vector<int>{1, 1, ours->piece_to_id("\xE2\x96\x81" "a"), 2,
                                                         ours->piece_to_id("\xE2\x96\x81" "b")}));
  EXPECT_EQ(ours->encode("<s>a</s>b")[0], ours->piece_to_id("\xE2\x96\x81" "<"));  // ours reads them as text
}

TEST(GgufTokenizer, EmptyTextAndAddFlags) {
  const auto ours = tok::Tokenizer::load(kSource / "tests/fixtures/hf/llama2-tok/tokenizer.model");
  std::vector<std::string> notes;
  auto vocab = exporting::vocab_from_spec(ours->spec(), ours->vocab_size(), notes);
  TempFile file;
  gguf::Writer writer;
  vocab.write_to(writer);
  writer.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(true));
  writer.set("tokenizer.ggml.add_eos_token", gguf::Value::boolean(true));
  writer.write(file.path);
  const auto gguf = tok::load_gguf_tokenizer(file.path);
  EXPECT_EQ(gguf->encode(""), (std::vector<int>{1, 2}));
  EXPECT_TRUE(gguf->encode_plain("").empty());
  EXPECT_EQ(gguf->encode_plain("hello"), ours->encode("hello"));
  EXPECT_EQ(gguf->decode(gguf->encode("hello world")), "hello world");
}

// ---- files written by the gguf package, as llama.cpp's converter writes them -----------------
// (tools/make_gguf_tokenizer_fixtures.py)

TEST(GgufTokenizer, ConverterWrittenQwen2) {
  const auto tok = tok::load_gguf_tokenizer(kSource / "tests/fixtures/gguf_tokenizer/qwen2.gguf");
  const auto hf = tok::HFTokenizer::load(kSource / "tests/fixtures/hf/tokenizers/qwen2.json");
  const auto j = nlohmann::json::parse(std::ifstream(kSource / "tests/fixtures/hf/tokenizers/expected.json"));
  const auto texts = j.at("texts").get<std::vector<std::string>>();
  int compared = 0;
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (nfc(texts[i]) == texts[i]) {
      EXPECT_EQ(tok->encode(texts[i]), j["qwen2"][i].get<std::vector<int>>());
      ++compared;
    }
  EXPECT_EQ(compared, 3);
  for (const auto& text : kTexts) EXPECT_EQ(tok->encode(text), hf->encode(text)) << text;
  EXPECT_NE(tok->info().chat_template.find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(tok->info().eos_id, 0);
}

// The converter also writes the added <pad> past tokenizer.model, so every legacy text compares.
TEST(GgufTokenizer, ConverterWrittenLlama2EqualsTransformersLegacy) {
  const fs::path dir = kSource / "tests/fixtures/hf/llama2-tok";
  const auto tok = tok::load_gguf_tokenizer(kSource / "tests/fixtures/gguf_tokenizer/llama2.gguf");
  EXPECT_TRUE(tok->info().add_bos && tok->info().add_space_prefix);
  EXPECT_EQ(tok->info().pad_id, 1000);
  const auto j = nlohmann::json::parse(std::ifstream(dir / "expected.json"));
  const auto texts = j.at("texts").get<std::vector<std::string>>();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(tok->encode(texts[i]), j["legacy"][i].get<std::vector<int>>()) << texts[i];
    // transformers' decode spaces around skipped specials differently, and drops two leading spaces
    // where llama.cpp (and SentencePiece) drop the one prefix space
    if (texts[i].find('<') == std::string::npos && !texts[i].starts_with(' '))
      EXPECT_EQ(tok->decode(tok->encode(texts[i])), j["decoded"][i].get<std::string>()) << texts[i];
  }
}

// ---- bad files ------------------------------------------------------------------------------

std::string load_error(const std::function<void(gguf::Writer&)>& fill) {
  TempFile file;
  gguf::Writer writer;
  fill(writer);
  writer.write(file.path);
  try {
    tok::load_gguf_tokenizer(file.path);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

TEST(GgufTokenizer, BadFilesAreOneLineErrors) {
  using gguf::Value;
  auto base = [](gguf::Writer& w) {
    w.set("tokenizer.ggml.model", Value::string("gpt2"));
    w.set("tokenizer.ggml.pre", Value::string("gpt-2"));
    w.set("tokenizer.ggml.tokens", Value::strings({"a", "b", "ab"}));
    w.set("tokenizer.ggml.merges", Value::strings({"a b"}));
  };
  EXPECT_EQ(load_error(base), "");
  EXPECT_NE(load_error([](gguf::Writer& w) { w.set("general.architecture", Value::string("llama")); }).find("no tokenizer.ggml.model"),
            std::string::npos);
  const auto bert = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.model", Value::string("bert")); });
  EXPECT_NE(bert.find("'bert' is not supported (supported: llama"), std::string::npos) << bert;
  const auto pre = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.pre", Value::string("deepseek-llm")); });
  EXPECT_NE(pre.find("'deepseek-llm' is not supported (supported: gpt-2"), std::string::npos) << pre;
  EXPECT_NE(pre.find("qwen2"), std::string::npos);
  const auto dup = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.tokens", Value::strings({"a", "b", "a"})); });
  EXPECT_NE(dup.find("duplicate token"), std::string::npos) << dup;
  const auto types = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.token_type", Value::i32s({1})); });
  EXPECT_NE(types.find("1 token types for 3 tokens"), std::string::npos) << types;
  const auto wrong = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.tokens", Value::u32(3)); });
  EXPECT_NE(wrong.find("expected array[string]"), std::string::npos) << wrong;
  const auto merge = load_error([&](gguf::Writer& w) { base(w), w.set("tokenizer.ggml.merges", Value::strings({"a c"})); });
  EXPECT_NE(merge.find("not in the vocabulary"), std::string::npos) << merge;
  const auto bos = load_error([&](gguf::Writer& w) {
    base(w), w.set("tokenizer.ggml.add_bos_token", Value::boolean(true)), w.set("tokenizer.ggml.bos_token_id", Value::u32(7));
  });
  // An out-of-range bos key keeps llama.cpp's default (11), itself outside these 3 tokens: no bos
  // to add, which llama.cpp refuses too.
  EXPECT_NE(bos.find("add_bos_token is true, but tokenizer.ggml.bos_token_id is not set"), std::string::npos) << bos;
}

}  // namespace
