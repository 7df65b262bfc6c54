// Wildcard patterns for the arguments of structured command rules, private
// to the policy library. Unlike path globs, '*' here also matches '/'.
#pragma once

#include <string>
#include <string_view>

namespace nucleus::policy::command {

// Syntax, matched against one whole argument:
//   *          any run of bytes, including '/' and the empty run
//   ?          exactly one byte
//   [abc] [a-z] [!a-z] [^a-z]   one byte from (or not from) a class; a ']'
//              right after '[' or "[!" is a member
//   \c         the byte c literally, also inside a class
// Returns an empty string for a valid pattern, otherwise the reason:
// unterminated class, reversed range, trailing backslash or NUL byte.
std::string check_wildcard(std::string_view pattern);

// True when `text` matches the whole of `pattern`. Precondition:
// check_wildcard(pattern) is empty. Runs in O(len(pattern) * len(text))
// steps: after a mismatch it only retries from the last '*', so no input
// makes it exponential.
bool wildcard_matches(std::string_view pattern, std::string_view text);

}  // namespace nucleus::policy::command
