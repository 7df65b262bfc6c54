// Typed access to the fields of a YAML tree. Every function throws
// SourceError at the offending node, with its field path, when the value
// is missing, has the wrong type or is out of range, so schema code reads
// as one line per field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decimal.h"
#include "spec/yaml_tree.h"

namespace nucleus::spec {

[[noreturn]] void fail_at(const Node& node, const std::string& path, std::string message);

// Throws unless `node` has the expected kind: "expected a mapping, got a
// sequence".
void expect_mapping(const Node& node, const std::string& path);
void expect_sequence(const Node& node, const std::string& path);

// One mapping whose keys must all be in an allowed set. The constructor
// rejects any other key, at the key, listing the allowed ones.
class MappingReader {
 public:
  MappingReader(const Node& node, std::string path, std::initializer_list<std::string_view> allowed);

  // The value under `key`, or nullptr when the key is absent.
  const Node* find(std::string_view key) const;

  // The value under `key`; throws at the mapping when the key is absent.
  const Node& require(std::string_view key) const;

  // The value of a field with two accepted spellings (workDir and
  // work_dir), or nullptr when neither is present. Throws when both are.
  // Sets `*spelling` to the key found so that errors name it.
  const Node* find_either(std::string_view first, std::string_view second,
                          std::string* spelling) const;

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;
  const Node& node() const { return node_; }

 private:
  const Node& node_;
  std::string path_;
};

// A string scalar, including plain text that YAML types as a number
// ("3.12"), as written. Rejects null, booleans, collections and NUL bytes.
std::string read_string(const Node& node, const std::string& path);

// read_string that also rejects the empty string.
std::string read_nonempty_string(const Node& node, const std::string& path);

// An integer in [min, max], written as plain decimal digits with an
// optional leading '-'. Rejects quoted text, floats, a leading '+', hex and
// octal forms, leading zeros (which YAML 1.1 reads as octal) and overflow.
std::int64_t read_integer(const Node& node, const std::string& path, std::int64_t min,
                          std::int64_t max);
std::uint64_t read_unsigned(const Node& node, const std::string& path, std::uint64_t min,
                            std::uint64_t max);

// An exact decimal from the scalar's text, plain (5.00) or quoted ("5.00"),
// parsed by policy::Decimal::parse and never through binary floating point.
policy::Decimal read_decimal(const Node& node, const std::string& path);

// A sequence of strings (read_nonempty_string for each item).
std::vector<std::string> read_string_list(const Node& node, const std::string& path);

// A mapping from string keys to string values, as metadata labels are.
std::map<std::string, std::string> read_string_map(const Node& node, const std::string& path);

}  // namespace nucleus::spec
