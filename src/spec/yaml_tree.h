// A small YAML tree with source positions, built from yaml-cpp's event API
// rather than YAML::Node so that every limit applies while parsing: the
// parse stops at the first alias, anchor, unsupported tag, duplicate key,
// nesting deeper than kMaxNestingDepth or node past kMaxNodes, and no input
// can make the tree large.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "spec/source_error.h"

namespace nucleus::spec {

// Scalar types of the YAML 1.2 core schema, after tag resolution. Quoted
// and block scalars and "!!str" are strings; an untagged plain scalar gets
// the type its text has under the core schema ("true" is a boolean, "0x1F"
// an integer, "1.5" and ".inf" floats, "yes" a string). Null scalars are
// Node::Kind::null instead.
enum class ScalarType { string, integer, floating, boolean };

struct MappingKey {
  std::string text;
  SourceMark mark;
};

struct Node {
  enum class Kind { null, scalar, mapping, sequence };

  Kind kind = Kind::null;
  SourceMark mark;
  std::string text;                        // scalar only, after unescaping
  ScalarType scalar_type = ScalarType::string;
  std::vector<MappingKey> keys;            // mapping only, parallel to children
  std::vector<Node> children;              // mapping values or sequence items
};

// "a mapping", "a sequence", "null", "a boolean", "an integer", "a float"
// or "a string", for "expected X, got Y" messages.
std::string_view describe(const Node& node);

// Parse a stream of YAML documents (JSON is accepted too, as YAML flow
// syntax). Documents that are empty or only comments are skipped. Mapping
// keys must be non-null scalars and unique within their mapping; two keys
// are the same when their text is ("a" and a are one key). Allowed tags are
// the core ones (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) and
// the non-specific "!", and a tagged scalar's text must fit its tag.
// Throws SourceError for YAML syntax errors and every rule above; the limit
// on nodes counts keys too and applies to the whole stream. Expects text
// already checked by check_input_text, with no byte order mark.
std::vector<Node> parse_yaml_stream(std::string_view text);

}  // namespace nucleus::spec
