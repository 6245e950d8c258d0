#include "lmforge/analyze/analysis.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <unordered_set>

#include "lmforge/common/utf8.h"

namespace lmforge::analyze {

std::vector<std::size_t> example_texts(const AnalysisInput& input, const std::string& word, int group, std::size_t n) {
  std::vector<std::pair<long, std::size_t>> candidates;  // penalty, index
  for (std::size_t i = 0; i < input.tokens.size() && candidates.size() < 400; ++i) {
    if (group >= 0 && (input.group_of.empty() || input.group_of[i] != group)) continue;
    if (std::find(input.tokens[i].begin(), input.tokens[i].end(), word) == input.tokens[i].end()) continue;
    const long len = static_cast<long>(utf8::length(input.texts[i]));
    candidates.push_back({std::labs(len - 40) + (len < 8 ? 100 : 0), i});
  }
  std::stable_sort(candidates.begin(), candidates.end());
  std::vector<std::size_t> out;
  std::unordered_set<std::string_view> seen;
  for (const auto& [p, i] : candidates) {
    if (out.size() >= n) break;
    if (seen.insert(input.texts[i]).second) out.push_back(i);
  }
  return out;
}

Analysis run_analysis(const AnalysisInput& input, const text::Stopwords& stopwords, const AnalysisOptions& options) {
  Analysis a;
  a.texts = input.texts.size();
  for (const auto& t : input.tokens) a.words += t.size();
  const std::size_t groups = input.groups.size();
  if (groups) {
    a.group_counts.assign(groups, 0);
    for (int g : input.group_of)
      if (g >= 0) ++a.group_counts[static_cast<std::size_t>(g)];
  }
  a.tfidf = tfidf_keywords(input.tokens, stopwords, options.keywords);
  a.textrank = textrank_keywords(input.tokens, stopwords, options.keywords);

  if (groups >= 2) {
    const auto words = distinctive_words(input.tokens, input.group_of, groups, stopwords, options.log_odds);
    a.distinctive.resize(groups);
    for (std::size_t g = 0; g < groups; ++g)
      for (const auto& w : words[g])
        a.distinctive[g].push_back({w, example_texts(input, w.word, static_cast<int>(g), options.examples)});
  }

  if (options.topics > 0) {
    // The encoder's rows are used where they are (an [N, dim] matrix is not copied); the other
    // kinds are built here.
    DocumentVectors built;
    const DocumentVectors* vectors = &built;
    if (input.sentence_vectors) {
      if (input.sentence_vectors->rows() != input.texts.size())
        throw std::invalid_argument("run_analysis: sentence_vectors must have one row per text");
      vectors = input.sentence_vectors;
      a.document_vectors = "sentence encoder";
      a.document_vectors_source = input.sentence_encoder_name;
    } else if (input.vectors) {
      built = averaged_word_vectors(input.tokens, *input.vectors, stopwords, &a.vector_coverage);
      a.document_vectors = "word vectors";
      a.document_vectors_source = input.vectors_name;
    } else {
      built = tfidf_document_vectors(input.tokens, stopwords, options.tfidf_features);
      a.document_vectors = "tf-idf";
    }
    KMeansOptions km = options.kmeans;
    km.representatives = std::max<std::size_t>(km.representatives, 12);
    const auto clusters = kmeans(*vectors, options.topics, km);
    std::vector<int> topic_of(input.tokens.size(), -1);
    for (std::size_t c = 0; c < clusters.size(); ++c)
      for (auto m : clusters[c].members) topic_of[m] = static_cast<int>(c);
    LogOddsOptions lo = options.log_odds;
    lo.min_chars = std::max<std::size_t>(lo.min_chars, 2);
    lo.top = 8;
    const auto top_words = distinctive_words(input.tokens, topic_of, clusters.size(), stopwords, lo);
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      Topic t;
      t.size = clusters[c].members.size();
      t.top_words = top_words[c];
      // Representative texts: closest to the centre, skipping very short ones and repeats.
      std::unordered_set<std::string_view> seen;
      for (int pass = 0; pass < 2 && t.examples.size() < options.topic_examples; ++pass)
        for (auto r : clusters[c].representatives) {
          if (t.examples.size() >= options.topic_examples) break;
          if (pass == 0 && utf8::length(input.texts[r]) < 10) continue;
          if (seen.insert(input.texts[r]).second) t.examples.push_back(r);
        }
      if (groups) {
        t.group_counts.assign(groups, 0);
        for (auto m : clusters[c].members)
          if (input.group_of[m] >= 0) ++t.group_counts[static_cast<std::size_t>(input.group_of[m])];
      }
      a.topics.push_back(std::move(t));
    }
    a.topic_of = std::move(topic_of);
  }

  if (!input.dates.empty()) {
    std::vector<int> group_of = input.group_of;
    if (group_of.empty()) group_of.assign(input.dates.size(), -1);
    a.trend = compute_trend(input.dates, group_of, groups);
  }
  return a;
}

nlohmann::json to_json(const Analysis& a, const AnalysisInput& input) {
  using nlohmann::json;
  const auto texts_of = [&](const std::vector<std::size_t>& idx) {
    json out = json::array();
    for (auto i : idx) out.push_back(input.texts[i]);
    return out;
  };
  json j = {{"texts", a.texts}, {"words", a.words}};
  if (!input.groups.empty()) {
    json dist = json::array();
    for (std::size_t g = 0; g < input.groups.size(); ++g)
      dist.push_back({{"group", input.groups[g]}, {"count", a.group_counts[g]},
                      {"share", a.texts ? static_cast<double>(a.group_counts[g]) / static_cast<double>(a.texts) : 0.0}});
    j["groups_from"] = input.group_source;
    j["distribution"] = dist;
  }
  const auto keywords = [](const std::vector<Keyword>& ks) {
    json out = json::array();
    for (const auto& k : ks) out.push_back({{"word", k.word}, {"score", k.score}, {"count", k.count}, {"texts", k.doc_freq}});
    return out;
  };
  j["keywords"] = {{"tfidf", keywords(a.tfidf)}, {"textrank", keywords(a.textrank)}};
  if (!a.distinctive.empty()) {
    json d = json::object();
    for (std::size_t g = 0; g < a.distinctive.size(); ++g) {
      json words = json::array();
      for (const auto& w : a.distinctive[g])
        words.push_back({{"word", w.word.word}, {"z", w.word.z}, {"log_odds", w.word.delta}, {"count_in_group", w.word.count_in},
                         {"count_elsewhere", w.word.count_out}, {"examples", texts_of(w.examples)}});
      d[input.groups[g]] = words;
    }
    j["distinctive_words"] = d;
  }
  if (!a.topics.empty()) {
    json topics = json::array();
    for (const auto& t : a.topics) {
      json words = json::array();
      for (const auto& w : t.top_words) words.push_back(w.word);
      json topic = {{"size", t.size}, {"top_words", words}, {"examples", texts_of(t.examples)}};
      if (!t.group_counts.empty()) {
        json mix = json::object();
        for (std::size_t g = 0; g < t.group_counts.size(); ++g) mix[input.groups[g]] = t.group_counts[g];
        topic["groups"] = mix;
      }
      topics.push_back(topic);
    }
    j["topics"] = {{"document_vectors", a.document_vectors}, {"clusters", topics}, {"assignment", a.topic_of}};
    if (!a.document_vectors_source.empty()) j["topics"]["document_vectors_source"] = a.document_vectors_source;
    if (a.vector_coverage >= 0) j["topics"]["word_vector_coverage"] = a.vector_coverage;
  }
  if (a.trend) {
    json counts = json::object();
    for (std::size_t g = 0; g < a.trend->counts.size(); ++g) counts[input.groups[g]] = a.trend->counts[g];
    j["trend"] = {{"granularity", a.trend->granularity}, {"periods", a.trend->periods}, {"totals", a.trend->totals},
                  {"counts", counts}, {"unparsed_dates", a.trend->unparsed}};
  }
  return j;
}

}  // namespace lmforge::analyze
