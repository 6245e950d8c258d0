#include "lmforge/infer/text_stream.h"

#include <algorithm>

#include "lmforge/common/utf8.h"

namespace lmforge::infer {

TextStream::TextStream(const tok::Tokenizer& tokenizer, std::vector<std::string> stop, std::span<const int> context)
    : tokenizer_(tokenizer), stop_(std::move(stop)) {
  std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
  // The context is the start of the decoding window, already "printed": the output's text is
  // what decoding context + output adds to decoding the context alone.
  const auto vocab = static_cast<int>(tokenizer_.spec().pieces.size());
  const std::size_t keep = std::min(context.size(), kContextTokens);
  for (int id : context.subspan(context.size() - keep))
    if (id >= 0 && id < vocab) ids_.push_back(id);
  window_end_ = ids_.size();
  if (!ids_.empty()) window_text_ = tokenizer_.decode(ids_);
}

namespace {

int byte_value(const std::string& piece) {  // "<0xAB>"
  auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  return digit(piece[3]) * 16 + digit(piece[4]);
}

}  // namespace

std::string TextStream::push(int id) {
  if (stopped_) return {};
  ids_.push_back(id);
  // The trailing run of byte pieces (after what was already decoded, which ends on a character
  // boundary): decode only up to its last complete character.
  const auto& pieces = tokenizer_.spec().pieces;
  std::size_t first_byte = ids_.size();
  while (first_byte > window_end_ && ids_[first_byte - 1] >= 0 &&
         ids_[first_byte - 1] < static_cast<int>(pieces.size()) &&
         pieces[ids_[first_byte - 1]].type == tok::PieceType::kByte)
    --first_byte;
  std::string bytes;
  for (std::size_t i = first_byte; i < ids_.size(); ++i) bytes.push_back(static_cast<char>(byte_value(pieces[ids_[i]].text)));
  return advance(first_byte + utf8::complete_prefix_length(bytes), false);
}

std::string TextStream::finish() {
  if (stopped_) return {};
  return advance(ids_.size(), true);
}

std::string TextStream::advance(std::size_t usable, bool final) {
  if (usable <= window_end_) return take({}, final);
  // The window's text with the new ids, minus its text without them. A denormalisation rule
  // that rewrote text already printed makes them disagree: then nothing new is printed for it.
  std::string full = tokenizer_.decode(std::span<const int>(ids_.data() + window_start_, usable - window_start_));
  std::string fresh;
  if (full.size() >= window_text_.size() && full.compare(0, window_text_.size(), window_text_) == 0)
    fresh = full.substr(window_text_.size());
  window_end_ = usable;
  window_text_ = std::move(full);
  // Slide the window forward, keeping kContextTokens of context. A window whose text is empty
  // (control tokens, a lone dummy-prefix space) would decode the next piece as if at the start
  // of the text, so the start only moves to where the window's text is non-empty.
  if (window_end_ - window_start_ >= 2 * kContextTokens) {
    const std::size_t start = window_end_ - kContextTokens;
    std::string text = tokenizer_.decode(std::span<const int>(ids_.data() + start, window_end_ - start));
    if (!text.empty()) window_start_ = start, window_text_ = std::move(text);
  }
  return take(fresh, final);
}

std::string TextStream::take(std::string_view fresh, bool final) {
  pending_ += fresh;
  // The earliest stop string in what has not been returned yet ends the text.
  std::size_t cut = std::string::npos;
  for (const auto& s : stop_) cut = std::min(cut, pending_.find(s));
  std::string out;
  if (cut != std::string::npos) {
    out = pending_.substr(0, cut);
    pending_.clear();
    stopped_ = true;
  } else {
    // Hold back the longest suffix that begins a stop string.
    std::size_t hold = 0;
    if (!final)
      for (const auto& s : stop_)
        for (std::size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n)
          if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
            hold = n;
            break;
          }
    out = pending_.substr(0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
  }
  text_ += out;
  return out;
}

}  // namespace lmforge::infer
