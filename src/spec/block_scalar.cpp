#include "spec/block_scalar.h"

#include <cstddef>

namespace nucleus::spec {
namespace {

// Auto-detected indentation: that of the first line with content, as YAML
// defines it. Returns nullopt when no line follows with content.
std::optional<int> detect_indent(const LineIndex& source, int first_line) {
  for (int number = first_line; number <= source.line_count(); ++number) {
    const std::size_t spaces = source.line(number).find_first_not_of(' ');
    if (spaces != std::string_view::npos) return static_cast<int>(spaces);
  }
  return std::nullopt;
}

}  // namespace

std::optional<BlockOrigin> find_literal_block(const LineIndex& source, SourceMark value_mark,
                                              int key_column) {
  if (value_mark.line < 1 || value_mark.line > source.line_count()) return std::nullopt;
  const std::string_view line = source.line(value_mark.line);

  std::size_t pos = static_cast<std::size_t>(value_mark.column - 1);
  if (pos < line.size() && line[pos] == '!') pos = line.find(' ', pos);
  if (pos == std::string_view::npos) return std::nullopt;
  pos = line.find_first_not_of(' ', pos);
  if (pos == std::string_view::npos || line[pos] != '|') return std::nullopt;

  // The header contains at most a chomping indicator (+ or -) and an
  // indentation indicator (1-9), in either order.
  std::optional<int> explicit_indent;
  for (std::size_t i = pos + 1; i < line.size() && i <= pos + 2; ++i) {
    if (line[i] >= '1' && line[i] <= '9') explicit_indent = line[i] - '0';
  }

  const int parent_indent = key_column - 1;
  const std::optional<int> indent =
      explicit_indent ? parent_indent + *explicit_indent : detect_indent(source, value_mark.line + 1);
  if (!indent || *indent <= parent_indent) return std::nullopt;
  return BlockOrigin{value_mark.line + 1, *indent};
}

SourceMark map_from_block(const BlockOrigin& origin, SourceMark inner) {
  return SourceMark{origin.first_line + inner.line - 1, origin.indent + inner.column};
}

}  // namespace nucleus::spec
