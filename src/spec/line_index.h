// Byte offsets of the lines of a text, built once so that positions from
// yaml-cpp can be turned into offsets without rescanning the text.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "spec/source_error.h"

namespace nucleus::spec {

class LineIndex {
 public:
  // `text` must outlive the index. Lines end at '\n'.
  explicit LineIndex(std::string_view text);

  int line_count() const { return static_cast<int>(starts_.size()); }

  // Line `number` (1-based) without its "\n" or "\r\n"; empty past the end.
  std::string_view line(int number) const;

  // The byte offset of `mark` in the text, or nullopt when it lies outside.
  std::optional<std::size_t> offset(SourceMark mark) const;

  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::vector<std::size_t> starts_;
};

}  // namespace nucleus::spec
