// Field paths and quoted values in error messages. Paths join keys with
// '.' and write list indices as "[i]". Keys that are not plain identifiers
// are quoted, as in data."pod.yaml".spec.paths.allowed[0].
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nucleus::spec {

// `parent` extended by a mapping key. Keys made only of ASCII letters,
// digits, '_' and '-' are written bare. Any other key is quoted, with '"',
// '\' and control bytes escaped so a path always stays on one line.
std::string append_key(std::string_view parent, std::string_view key);

// `parent` extended by a sequence index: "commands.allowed[3]".
std::string append_index(std::string_view parent, std::size_t index);

// `value` in double quotes for an error message, escaped like a quoted key
// so that a message stays on one line, and cut after kMaxQuotedBytes bytes
// (at a UTF-8 character boundary) with "..." appended.
inline constexpr std::size_t kMaxQuotedBytes = 80;
std::string quote_value(std::string_view value);

}  // namespace nucleus::spec
