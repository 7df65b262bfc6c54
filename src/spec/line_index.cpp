#include "spec/line_index.h"

namespace nucleus::spec {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') starts_.push_back(i + 1);
  }
}

std::string_view LineIndex::line(int number) const {
  if (number < 1 || number > line_count()) return {};
  const std::size_t start = starts_[static_cast<std::size_t>(number - 1)];
  const std::size_t end = number < line_count() ? starts_[static_cast<std::size_t>(number)] - 1 : text_.size();
  std::string_view result = text_.substr(start, end - start);
  if (result.ends_with('\r')) result.remove_suffix(1);
  return result;
}

std::optional<std::size_t> LineIndex::offset(SourceMark mark) const {
  if (mark.line < 1 || mark.line > line_count() || mark.column < 1) return std::nullopt;
  const std::size_t result =
      starts_[static_cast<std::size_t>(mark.line - 1)] + static_cast<std::size_t>(mark.column - 1);
  if (result > text_.size()) return std::nullopt;
  return result;
}

}  // namespace nucleus::spec
