// Byte-string helpers for tool results: UTF-8 validation and repair (JSON
// strings must be valid UTF-8), base64 for binary content, SHA-256 digests.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace nucleus::proxy::text {

// True when `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// The length of `bytes` without a trailing incomplete multi-byte sequence,
// for content cut at a byte limit. Other invalid bytes are kept.
std::size_t complete_utf8_length(std::string_view bytes);

// `bytes` with each byte that is not part of a well-formed sequence
// replaced by U+FFFD. Valid input comes back unchanged.
std::string to_valid_utf8(std::string_view bytes);

// The longest prefix of `bytes` of at most `max_bytes` that does not end
// inside a multi-byte sequence.
std::string_view truncate_utf8(std::string_view bytes, std::size_t max_bytes);

// Standard base64 (RFC 4648 section 4) with '=' padding.
std::string base64_encode(std::string_view bytes);

// Decodes standard padded base64. nullopt for any other character
// (including whitespace), a length not a multiple of 4, misplaced padding
// or non-zero bits after the last encoded byte.
std::optional<std::string> base64_decode(std::string_view text);

// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace nucleus::proxy::text
