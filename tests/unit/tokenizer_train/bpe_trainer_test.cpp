// BPE training on bundled text: the trained vocabulary round-trips every input through the
// SentencePiece-exact encoder, replays its merges, honours the options, and fails clearly.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"
#include "lmforge/common/utf8.h"
#include "lmforge/tokenizer/normalizer.h"
#include "lmforge/tokenizer/tokenizer.h"
#include "lmforge/tokenizer/trainer.h"
#include "train_test_corpus.h"

namespace lmforge::tok {
namespace {

using testing::hard_inputs;
using testing::mixed_corpus;

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> c = mixed_corpus();
  return c;
}

TrainerOptions bpe_options(int vocab = 2000) {
  TrainerOptions o;
  o.vocab_size = vocab;
  o.user_defined_symbols = {"<sep>"};
  o.threads = 2;
  return o;
}

// What decode(encode(x)) must give: the normalised text with ▁ as spaces, dummy prefix removed.
std::string expected_round_trip(const ModelSpec& spec, const std::string& text) {
  Normalizer n(spec.normalizer, false);
  std::string s = n.normalize(text), out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 3, "\xE2\x96\x81") == 0) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(s[i++]);
    }
  }
  if (spec.normalizer.add_dummy_prefix && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

TEST(BpeTrainer, ExactVocabSizeAndSpecialLayout) {
  TrainerOptions o = bpe_options();
  o.pad_id = 3;
  o.control_symbols = {"<cls>"};
  TrainResult r = train_tokenizer(corpus(), o);
  const auto& p = r.spec.pieces;
  ASSERT_EQ(p.size(), 2000u);
  EXPECT_EQ(p[0].text, "<unk>");
  EXPECT_EQ(p[0].type, PieceType::kUnknown);
  EXPECT_EQ(p[1].text, "<s>");
  EXPECT_EQ(p[2].text, "</s>");
  EXPECT_EQ(p[3].text, "<pad>");
  EXPECT_EQ(p[3].type, PieceType::kControl);
  EXPECT_EQ(p[4].text, "<cls>");
  EXPECT_EQ(p[4].type, PieceType::kControl);
  EXPECT_EQ(p[5].text, "<sep>");
  EXPECT_EQ(p[5].type, PieceType::kUserDefined);
  EXPECT_EQ(p[6].text, "<0x00>");
  EXPECT_EQ(p[6 + 255].text, "<0xFF>");
  EXPECT_EQ(p[6 + 255].type, PieceType::kByte);
  EXPECT_EQ(r.spec.pad_id, 3);
  EXPECT_TRUE(r.spec.byte_fallback);
  EXPECT_EQ(r.spec.normalizer.name, "nfkc");
  std::set<std::string> unique;
  for (const auto& piece : p) EXPECT_TRUE(unique.insert(piece.text).second) << "duplicate " << piece.text;
  // Scores fall strictly with merge order, so the encoder replays the merges in order.
  for (std::size_t i = 263; i < p.size(); ++i) EXPECT_LT(p[i].score, p[i - 1].score) << i;
}

TEST(BpeTrainer, PiecesRespectWordScriptAndLengthBoundaries) {
  TrainerOptions o = bpe_options();
  o.max_piece_length = 6;
  TrainResult r = train_tokenizer(corpus(), o);
  int multi = 0;
  for (const auto& piece : r.spec.pieces) {
    if (piece.type != PieceType::kNormal) continue;
    const auto chars = utf8::to_u32(piece.text);
    EXPECT_LE(chars.size(), 6u) << piece.text;
    for (std::size_t i = 1; i < chars.size(); ++i) EXPECT_NE(chars[i], U'\u2581') << piece.text;
    bool han = false, latin = false;
    for (char32_t c : chars) {
      han |= (c >= 0x4E00 && c <= 0x9FFF);
      latin |= (c < 0x80 && std::isalpha(static_cast<int>(c)));
    }
    EXPECT_FALSE(han && latin) << "piece mixes scripts: " << piece.text;
    multi += chars.size() > 1;
  }
  EXPECT_GT(multi, 800);
}

TEST(BpeTrainer, EveryInputRoundTripsWithNfkc) {
  TrainResult r = train_tokenizer(corpus(), bpe_options());
  auto tok = Tokenizer::from_spec(r.spec);
  auto inputs = hard_inputs();
  for (std::size_t i = 0; i < corpus().size(); i += 7) inputs.push_back(corpus()[i]);
  for (const auto& text : inputs) {
    const auto ids = tok->encode(text);
    for (int id : ids) ASSERT_NE(id, r.spec.unk_id) << "byte fallback missed in: " << text;
    EXPECT_EQ(tok->decode(ids), expected_round_trip(r.spec, text)) << text;
  }
  // A user-defined symbol stays one piece.
  const auto pieces = tok->encode_pieces("a<sep>b");
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "<sep>"), pieces.end());
}

TEST(BpeTrainer, IdentityNormalizationRoundTripsByteForByte) {
  TrainerOptions o = bpe_options();
  o.normalization = "identity";
  o.remove_extra_whitespaces = false;
  TrainResult r = train_tokenizer(corpus(), o);
  EXPECT_EQ(r.spec.normalizer.name, "identity");
  auto tok = Tokenizer::from_spec(r.spec);
  for (const auto& text : hard_inputs()) EXPECT_EQ(tok->decode(tok->encode(text)), text) << text;
}

// The encoder (highest score first) must rebuild each merged piece from its characters.
TEST(BpeTrainer, EncoderReplaysTheMerges) {
  TrainResult r = train_tokenizer(corpus(), bpe_options());
  ModelSpec spec = r.spec;
  spec.normalizer.add_dummy_prefix = false;  // encode each piece's own text
  auto tok = Tokenizer::from_spec(spec);
  int merged = 0, rebuilt = 0;
  for (std::size_t id = 0; id < spec.pieces.size(); ++id) {
    const auto& piece = spec.pieces[id];
    if (piece.type != PieceType::kNormal || utf8::length(piece.text) < 2) continue;
    ++merged;
    const auto ids = tok->encode(piece.text);
    rebuilt += ids.size() == 1 && ids[0] == static_cast<int>(id);
  }
  EXPECT_GT(merged, 800);
  EXPECT_EQ(rebuilt, merged);
}

TEST(BpeTrainer, DeterministicAcrossThreadCounts) {
  TrainerOptions o = bpe_options(1200);
  o.threads = 1;
  TrainResult a = train_tokenizer(corpus(), o);
  o.threads = 3;
  TrainResult b = train_tokenizer(corpus(), o);
  ASSERT_EQ(a.spec.pieces.size(), b.spec.pieces.size());
  for (std::size_t i = 0; i < a.spec.pieces.size(); ++i) EXPECT_EQ(a.spec.pieces[i].text, b.spec.pieces[i].text);
}

TEST(BpeTrainer, CharacterCoverageLeavesRareCharactersToBytes) {
  TrainerOptions o = bpe_options();
  o.character_coverage = 0.98;
  TrainResult low = train_tokenizer(corpus(), o);
  o.character_coverage = 1.0;
  TrainResult all = train_tokenizer(corpus(), o);
  auto single_chars = [](const ModelSpec& s) {
    int n = 0;
    for (const auto& p : s.pieces) n += p.type == PieceType::kNormal && utf8::length(p.text) == 1;
    return n;
  };
  EXPECT_LT(single_chars(low.spec) + 300, single_chars(all.spec));
}

TEST(BpeTrainer, VocabLargerThanTheCorpusSupportsNamesTheMaximum) {
  std::vector<std::string> tiny = {"abab abab", "cd"};
  TrainerOptions o = bpe_options(400);
  o.user_defined_symbols.clear();
  try {
    train_tokenizer(tiny, o);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("larger than this corpus supports"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--vocab-size"), std::string::npos) << msg;
  }
  o.vocab_size = 100;  // fewer than the 259 special pieces
  EXPECT_THROW(train_tokenizer(tiny, o), UsageError);
}

TEST(BpeTrainer, MaximumReportedIsExactlyTrainable) {
  std::vector<std::string> tiny = {"abab abab", "cd", "hello world"};
  TrainerOptions o = bpe_options(1000);
  o.user_defined_symbols.clear();
  int maximum = 0;
  try {
    train_tokenizer(tiny, o);
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    const auto at = msg.find("use --vocab-size ");
    ASSERT_NE(at, std::string::npos) << msg;
    maximum = std::stoi(msg.substr(at + 17));
  }
  ASSERT_GT(maximum, 259);
  o.vocab_size = maximum;
  EXPECT_EQ(train_tokenizer(tiny, o).spec.pieces.size(), static_cast<std::size_t>(maximum));
  o.vocab_size = maximum + 1;
  EXPECT_THROW(train_tokenizer(tiny, o), UsageError);
}

TEST(BpeTrainer, ClashingSpecialIdsAreUsageErrors) {
  TrainerOptions o = bpe_options();
  o.bos_id = 0;  // same as unk
  EXPECT_THROW(train_tokenizer(corpus(), o), UsageError);
  o = bpe_options();
  o.byte_fallback = false;
  o.user_defined_symbols.clear();
  o.eos_id = 7;  // only 3 specials
  EXPECT_THROW(train_tokenizer(corpus(), o), UsageError);
  o = bpe_options();
  o.model_type = ModelType::kUnigram;
  EXPECT_THROW(train_tokenizer(corpus(), o), UsageError);
}

}  // namespace
}  // namespace lmforge::tok
