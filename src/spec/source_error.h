// Positions in a source text, and the exception the spec parser throws
// internally. The schema code throws so that each field check stays one
// line. parse_documents is the only place that catches it, so it never
// leaves the spec library.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace nucleus::spec {

// 1-based line and 1-based column. Columns count bytes, as yaml-cpp's marks
// do, so a column after a multi-byte UTF-8 character is larger than the
// character count an editor may show.
struct SourceMark {
  int line = 1;
  int column = 1;
};

class SourceError : public std::exception {
 public:
  // `path` is the field path ("spec.paths.allowed[2]"); empty for errors
  // that belong to no field, such as YAML syntax errors. `first_definition`
  // is set for a duplicate key and names where the key first appears. It is
  // kept apart from the message so that it can be mapped like `mark`.
  SourceError(SourceMark mark, std::string path, std::string message,
              std::optional<SourceMark> first_definition = std::nullopt)
      : mark_(mark),
        path_(std::move(path)),
        message_(std::move(message)),
        first_definition_(first_definition) {}

  const char* what() const noexcept override { return message_.c_str(); }

  SourceMark mark() const { return mark_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }
  std::optional<SourceMark> first_definition() const { return first_definition_; }

  // "<source>:<line>:<column>: <path>: <message>", without the path part
  // when the path is empty. Control bytes in a message from another
  // component are written as "\xNN" so the error always stays on one line.
  std::string format(std::string_view source_name) const {
    std::string out(source_name);
    out += ':' + std::to_string(mark_.line) + ':' + std::to_string(mark_.column) + ": ";
    if (!path_.empty()) out += path_ + ": ";
    for (const char c : message_) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte >= 0x20 && byte != 0x7F) {
        out += c;
        continue;
      }
      constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xFU];
    }
    if (first_definition_) {
      out += "; it is first defined at line " + std::to_string(first_definition_->line) +
             ", column " + std::to_string(first_definition_->column);
    }
    return out;
  }

 private:
  SourceMark mark_;
  std::string path_;
  std::string message_;
  std::optional<SourceMark> first_definition_;
};

}  // namespace nucleus::spec
