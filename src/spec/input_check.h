// Checks on the raw bytes of a spec, run before any YAML parsing so that
// yaml-cpp only ever receives bounded, well-formed UTF-8 text.
#pragma once

#include <string_view>

namespace nucleus::spec {

// Checks `text` and returns it without a leading UTF-8 byte order mark.
// yaml-cpp skips that mark without counting it in its columns, so callers
// parse the returned text and all positions refer to it.
// Throws SourceError when `text` is longer than kMaxDocumentBytes (checked
// first, at 1:1), is not valid UTF-8 (overlong forms, surrogates and code
// points over U+10FFFF are invalid), or contains a character that YAML 1.2
// does not allow in a stream: C0 controls other than tab, LF and CR, DEL,
// C1 controls, U+FFFE and U+FFFF. It also rejects NEL, U+2028 and U+2029,
// which yaml-cpp 0.7 turns into line breaks inside scalars as YAML 1.1 did,
// while YAML 1.2 and JSON keep them as text. Rejecting NUL here also
// keeps yaml-cpp from guessing a UTF-16 or UTF-32 encoding. The error is at
// the line and byte column of the first offending byte.
std::string_view check_input_text(std::string_view text);

}  // namespace nucleus::spec
