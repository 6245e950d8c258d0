#include <cmath>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "lmforge/analyze/analysis.h"
#include "lmforge/analyze/report.h"

namespace lmforge::analyze {

TEST(LogOdds, MatchesTheFormulaOfMonroeEtAlOnHandCounts) {
  // Group 0: "good" x3, "room" x1; group 1: "bad" x2, "room" x2.
  const Documents docs = {{"good", "good", "room"}, {"good"}, {"bad", "room"}, {"bad", "room"}};
  const std::vector<int> group_of = {0, 0, 1, 1};
  text::Stopwords none;
  LogOddsOptions o;
  o.min_count = 1;
  const auto words = distinctive_words(docs, group_of, 2, none, o);
  ASSERT_FALSE(words[0].empty());
  EXPECT_EQ(words[0][0].word, "good");
  EXPECT_EQ(words[1][0].word, "bad");
  // good: y_i = 3, y_j = 0, n_i = 4, n_j = 4, a_w = 3, a0 = 8.
  const double delta = std::log((3.0 + 3) / (4 + 8 - 3 - 3)) - std::log((0.0 + 3) / (4 + 8 - 0 - 3));
  EXPECT_NEAR(words[0][0].delta, delta, 1e-12);
  EXPECT_NEAR(words[0][0].z, delta / std::sqrt(1.0 / 6 + 1.0 / 3), 1e-12);
  EXPECT_EQ(words[0][0].count_in, 3u);
  EXPECT_EQ(words[0][0].count_out, 0u);
}

TEST(Keywords, SkipStopwordsPunctuationAndShortWords) {
  text::Stopwords stop;
  stop.add("的");
  const Documents docs = {{"房间", "的", "干净", "，", "房间"}, {"房间", "很", "安静"}, {"早餐", "干净", "！"}, {"房间", "舒服"}};
  KeywordOptions o;
  o.min_doc_freq = 1;
  const auto tfidf = tfidf_keywords(docs, stop, o);
  for (const auto& k : tfidf) {
    EXPECT_NE(k.word, "的");
    EXPECT_NE(k.word, "，");
    EXPECT_NE(k.word, "很");  // one character
  }
  ASSERT_FALSE(tfidf.empty());
  EXPECT_EQ(tfidf[0].word, "房间");
  EXPECT_EQ(tfidf[0].count, 4u);
  const auto rank = textrank_keywords(docs, stop, o);
  ASSERT_FALSE(rank.empty());
  EXPECT_EQ(rank[0].word, "房间");  // linked to the most other words
}

TEST(Clusters, KMeansSeparatesTwoObviousTopics) {
  Documents docs;
  for (int i = 0; i < 20; ++i) docs.push_back({"早餐", "好吃", "丰富"});
  for (int i = 0; i < 10; ++i) docs.push_back({"隔音", "噪音", "吵"});
  docs.push_back({"，"});  // no content word: joins no cluster
  text::Stopwords none;
  const auto v = tfidf_document_vectors(docs, none, 100);
  EXPECT_EQ(v.empty_rows, 1u);
  const auto clusters = kmeans(v, 2, {});
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0].members.size(), 20u);
  EXPECT_EQ(clusters[1].members.size(), 10u);
  EXPECT_GE(clusters[1].members.front(), 20u);
}

TEST(Clusters, UnitRowsNormalisesAndCountsZeroRows) {
  const auto v = unit_rows(2, {3, 4, 0, 0, -2, 0});
  ASSERT_EQ(v.rows(), 3u);
  EXPECT_EQ(v.empty_rows, 1u);
  EXPECT_FLOAT_EQ(v.row(0)[0], 0.6f);
  EXPECT_FLOAT_EQ(v.row(0)[1], 0.8f);
  EXPECT_EQ(v.row(1)[0], 0.0f);
  EXPECT_FLOAT_EQ(v.row(2)[0], -1.0f);
  EXPECT_THROW(unit_rows(2, {1, 2, 3}), std::invalid_argument);
}

// Sentence vectors override the words: texts whose words all differ but whose (given) vectors
// point two ways cluster by the vectors, and the result names the encoder.
TEST(Analysis, TopicsFollowSentenceVectorsWhenGiven) {
  AnalysisInput in;
  std::vector<float> rows;
  for (int i = 0; i < 12; ++i) {
    in.texts.push_back("text number " + std::to_string(i));
    in.tokens.push_back({"word" + std::to_string(i), "common"});
    const bool first = i % 3 == 0;  // 4 texts one way, 8 the other
    rows.insert(rows.end(), {first ? 1.0f : 0.05f * i, first ? 0.02f * i : 1.0f, 0.0f});
  }
  const auto vectors = unit_rows(3, rows);
  in.sentence_vectors = &vectors;
  in.sentence_encoder_name = "models/minilm";
  AnalysisOptions o;
  o.topics = 2;
  const auto a = run_analysis(in, text::Stopwords{}, o);
  EXPECT_EQ(a.document_vectors, "sentence encoder");
  EXPECT_EQ(a.document_vectors_source, "models/minilm");
  ASSERT_EQ(a.topics.size(), 2u);
  EXPECT_EQ(a.topics[0].size, 8u);
  ASSERT_EQ(a.topic_of.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(a.topic_of[static_cast<std::size_t>(i)], i % 3 == 0 ? 1 : 0) << i;
  const auto j = to_json(a, in);
  EXPECT_EQ(j["topics"]["document_vectors"], "sentence encoder");
  EXPECT_EQ(j["topics"]["document_vectors_source"], "models/minilm");
  EXPECT_EQ(j["topics"]["assignment"].size(), 12u);
  const auto one_short = unit_rows(3, std::vector<float>(rows.begin(), rows.end() - 3));
  in.sentence_vectors = &one_short;
  EXPECT_THROW(run_analysis(in, text::Stopwords{}, o), std::invalid_argument);
}

TEST(Trends, ParsesCommonDateSpellingsAndBuckets) {
  EXPECT_EQ(parse_date("2024-03-05")->day, 5);
  EXPECT_EQ(parse_date("2024/3/5 10:00")->month, 3);
  EXPECT_EQ(parse_date("20240305")->year, 2024);
  EXPECT_EQ(parse_date("2024年3月5日")->day, 5);
  EXPECT_FALSE(parse_date("2024-03")->has_day);
  EXPECT_FALSE(parse_date("2023-02-29").has_value());
  EXPECT_FALSE(parse_date("yesterday").has_value());
  EXPECT_EQ(parse_date("1970-01-02")->days_since_epoch(), 1);
  const auto t = compute_trend({"2024-01-03", "2024-03-20", "2024-03-21", "bad"}, {0, 1, 1, 0}, 2);
  EXPECT_EQ(t.granularity, "week");
  EXPECT_EQ(t.unparsed, 1u);
  EXPECT_EQ(t.periods.front(), "2024-01-01");  // the Monday of the first week
  EXPECT_EQ(t.counts[1].back(), 2.0);
  const auto m = compute_trend({"2020-01-03", "2024-03-20"}, {-1, -1}, 0);
  EXPECT_EQ(m.granularity, "month");
  EXPECT_EQ(m.periods.size(), 51u);
}

TEST(Report, BilingualSelfContainedPageWithHighlightedExamples) {
  AnalysisInput in;
  in.texts = {"房间很干净，服务很好", "房间很脏，服务很差", "早餐很丰富，房间干净", "隔音很差，房间很吵"};
  in.tokens = {{"房间", "很", "干净", "，", "服务", "很", "好"}, {"房间", "很", "脏", "，", "服务", "很", "差"},
               {"早餐", "很", "丰富", "，", "房间", "干净"}, {"隔音", "很", "差", "，", "房间", "很", "吵"}};
  in.groups = {"好评", "差评"};
  in.group_of = {0, 1, 0, 1};
  in.group_source = "column label";
  in.dates = {"2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03"};
  text::Stopwords stop;
  stop.add("很");
  AnalysisOptions o;
  o.log_odds.min_count = 1;
  o.keywords.min_doc_freq = 1;
  o.topics = 2;
  const auto a = run_analysis(in, stop, o);
  ASSERT_EQ(a.distinctive.size(), 2u);
  EXPECT_EQ(a.distinctive[0][0].word.word, "干净");
  ASSERT_FALSE(a.distinctive[0][0].examples.empty());
  const auto html = render_report(a, in, {.source = "r.csv", .language = choose_language("auto", in.texts)});
  EXPECT_NE(html.find("<html lang=\"zh\""), std::string::npos);
  EXPECT_NE(html.find("各组的区别词"), std::string::npos);
  EXPECT_NE(html.find("<mark>干净</mark>"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no fetched resources
  const auto en = render_report(a, in, {.language = ReportLanguage::kEnglish});
  EXPECT_NE(en.find("What distinguishes the groups"), std::string::npos);
  const auto j = to_json(a, in);
  EXPECT_EQ(j["distribution"][0]["count"], 2);
  EXPECT_EQ(j["trend"]["granularity"], "day");
}

}  // namespace lmforge::analyze
