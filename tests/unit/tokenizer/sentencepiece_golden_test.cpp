// Our tokenizer against python3-sentencepiece on models trained by the reference itself
// (tests/fixtures/sentencepiece, written by tools/make_sentencepiece_fixtures.py): identical
// ids and pieces for every golden line, and identical decoded text.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "lmforge/tokenizer/sentencepiece_model.h"
#include "lmforge/tokenizer/tokenizer.h"

namespace lmforge::tok {
namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/sentencepiece";

struct Golden {
  std::string model, text, decoded;
  std::vector<int> ids;
  std::vector<std::string> pieces;
};

std::vector<Golden> read_goldens() {
  std::ifstream in(kFixtures / "goldens.jsonl");
  std::vector<Golden> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto j = nlohmann::json::parse(line);
    out.push_back(Golden{j.at("model"), j.at("text"), j.at("decoded"), j.at("ids").get<std::vector<int>>(),
                         j.at("pieces").get<std::vector<std::string>>()});
  }
  return out;
}

std::string show(const std::vector<std::string>& pieces) {
  std::string s;
  for (const auto& p : pieces) s += "[" + p + "]";
  return s;
}

class Goldens : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { goldens_ = new std::vector<Golden>(read_goldens()); }
  static void TearDownTestSuite() { delete goldens_; }
  static std::vector<Golden>* goldens_;
};
std::vector<Golden>* Goldens::goldens_ = nullptr;

TEST_F(Goldens, FileIsPresentAndCoversEveryModelType) {
  ASSERT_GT(goldens_->size(), 500u);
  std::set<std::string> models;
  for (const auto& g : *goldens_) models.insert(g.model);
  EXPECT_EQ(models.size(), 8u);
}

// Runs every golden through `tokenizers[model]` and counts mismatches (printing the first few).
void check_all(const std::vector<Golden>& goldens,
               const std::function<const Tokenizer&(const std::string&)>& tokenizer_for) {
  int mismatches = 0;
  for (const auto& g : goldens) {
    const Tokenizer& tok = tokenizer_for(g.model);
    const auto ids = tok.encode(g.text);
    const auto pieces = tok.encode_pieces(g.text);
    const auto decoded = tok.decode(g.ids);
    if (ids != g.ids || pieces != g.pieces || decoded != g.decoded) {
      if (++mismatches <= 10) {
        ADD_FAILURE() << g.model << " on \"" << g.text << "\"\n  expected " << show(g.pieces)
                      << "\n  got      " << show(pieces) << "\n  decoded \"" << decoded << "\" expected \""
                      << g.decoded << "\"";
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << goldens.size() << " golden lines";
}

TEST_F(Goldens, IdsPiecesAndDecodingMatchSentencePiece) {
  std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  check_all(*goldens_, [&](const std::string& model) -> const Tokenizer& {
    auto& t = cache[model];
    if (!t) t = Tokenizer::load(kFixtures / model);
    return *t;
  });
}

// Export: a model written back by our protobuf writer encodes identically.
TEST_F(Goldens, WrittenModelsEncodeIdentically) {
  std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  check_all(*goldens_, [&](const std::string& model) -> const Tokenizer& {
    auto& t = cache[model];
    if (!t) {
      const ModelSpec spec = read_sentencepiece_model(kFixtures / model);
      t = Tokenizer::from_spec(parse_sentencepiece_model(serialize_sentencepiece_model(spec), "round trip"));
    }
    return *t;
  });
}

TEST_F(Goldens, DecodeOfEncodeGivesTheReferenceDecoding) {
  std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  for (const auto& g : *goldens_) {
    auto& t = cache[g.model];
    if (!t) t = Tokenizer::load(kFixtures / g.model);
    EXPECT_EQ(t->decode(t->encode(g.text)), g.decoded) << g.model << " on \"" << g.text << "\"";
  }
}

}  // namespace
}  // namespace lmforge::tok
