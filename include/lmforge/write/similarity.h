// How alike two generated texts are, cheaply and for any language: a text becomes a set of
// terms (Chinese/Japanese/Korean characters as overlapping character bigrams, other scripts as
// lower-cased words, punctuation and spaces dropped), compared by Jaccard overlap. Used to drop
// near-duplicate candidates, to penalise redundancy when reranking, and to cluster ideas.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lmforge::write {

// Sorted, unique terms of `text` ("很好吃" -> {"好吃", "很好"}; "Great food!" -> {"food", "great"}).
std::vector<std::string> similarity_terms(std::string_view text);

// |a ∩ b| / |a ∪ b| of two sorted unique term lists; 1 when both are empty.
double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b);

// Distinct-n (Li et al. 2016): distinct n-grams / all n-grams over the texts, counted on
// characters (code points, spaces excluded): the usual diversity measure for Chinese output.
double distinct_n(const std::vector<std::string>& texts, int n);

}  // namespace lmforge::write
