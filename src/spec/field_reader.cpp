#include "spec/field_reader.h"

#include <charconv>
#include <cstddef>
#include <string>
#include <utility>

#include "spec/field_path.h"

namespace nucleus::spec {
namespace {

// "expected an integer, got a float (1.5)", naming the value when it is a
// scalar so that the reader sees what YAML made of it.
std::string expected_got(std::string_view expected, const Node& node) {
  std::string message = "expected " + std::string(expected) + ", got " + std::string(describe(node));
  if (node.kind == Node::Kind::scalar) message += " (" + quote_value(node.text) + ")";
  return message;
}

bool looks_like_decimal_integer(std::string_view text) {
  if (text.starts_with('-')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// The text of an integer scalar after the syntax checks that the YAML core
// schema does not make: only plain decimal digits with an optional '-'.
std::string_view checked_integer_text(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::scalar || node.scalar_type != ScalarType::integer) {
    std::string message = expected_got("an integer", node);
    if (node.kind == Node::Kind::scalar && node.scalar_type == ScalarType::string &&
        looks_like_decimal_integer(node.text)) {
      message += "; remove the quotes";
    }
    fail_at(node, path, std::move(message));
  }
  const std::string_view text = node.text;
  if (text.starts_with('+')) fail_at(node, path, "a leading '+' is not allowed in integers");
  if (text.starts_with("0x") || text.starts_with("0o")) {
    fail_at(node, path, "hexadecimal and octal integers are not allowed; write the number in decimal");
  }
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.size() > 1 && digits.front() == '0') {
    fail_at(node, path, "leading zeros are not allowed in integers (YAML 1.1 reads them as octal)");
  }
  return text;
}

template <typename Integer>
std::string range_message(Integer min, Integer max, std::string_view text) {
  return "must be an integer between " + std::to_string(min) + " and " + std::to_string(max) +
         ", got " + std::string(text);
}

}  // namespace

void fail_at(const Node& node, const std::string& path, std::string message) {
  throw SourceError(node.mark, path, std::move(message));
}

void expect_mapping(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::mapping) fail_at(node, path, expected_got("a mapping", node));
}

void expect_sequence(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::sequence) fail_at(node, path, expected_got("a sequence", node));
}

MappingReader::MappingReader(const Node& node, std::string path,
                             std::initializer_list<std::string_view> allowed)
    : node_(node), path_(std::move(path)) {
  expect_mapping(node_, path_);
  for (const MappingKey& key : node_.keys) {
    bool known = false;
    for (const std::string_view name : allowed) known = known || name == key.text;
    if (known) continue;

    std::string list;
    for (const std::string_view name : allowed) {
      list += list.empty() ? "" : ", ";
      list += name;
    }
    throw SourceError(key.mark, path_of(key.text), "unknown field; expected one of: " + list);
  }
}

const Node* MappingReader::find(std::string_view key) const {
  for (std::size_t i = 0; i < node_.keys.size(); ++i) {
    if (node_.keys[i].text == key) return &node_.children[i];
  }
  return nullptr;
}

const Node& MappingReader::require(std::string_view key) const {
  const Node* value = find(key);
  if (value == nullptr) throw SourceError(node_.mark, path_of(key), "missing required field");
  return *value;
}

const Node* MappingReader::find_either(std::string_view first, std::string_view second,
                                       std::string* spelling) const {
  const Node* first_value = find(first);
  const Node* second_value = find(second);
  if (first_value != nullptr && second_value != nullptr) {
    const std::size_t later_index = static_cast<std::size_t>(
        (first_value > second_value ? first_value : second_value) - node_.children.data());
    const MappingKey& later = node_.keys[later_index];
    throw SourceError(later.mark, path_of(later.text),
                      std::string(first) + " and " + std::string(second) +
                          " are two spellings of one field; set only one");
  }
  *spelling = std::string(first_value != nullptr ? first : second);
  return first_value != nullptr ? first_value : second_value;
}

std::string MappingReader::path_of(std::string_view key) const { return append_key(path_, key); }

std::string read_string(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::scalar) fail_at(node, path, expected_got("a string", node));
  if (node.scalar_type == ScalarType::boolean) {
    fail_at(node, path, expected_got("a string", node) + "; quote it if you mean the text");
  }
  if (node.text.find('\0') != std::string::npos) fail_at(node, path, "contains a NUL byte");
  return node.text;
}

std::string read_nonempty_string(const Node& node, const std::string& path) {
  std::string text = read_string(node, path);
  if (text.empty()) fail_at(node, path, "must not be empty");
  return text;
}

std::int64_t read_integer(const Node& node, const std::string& path, std::int64_t min,
                          std::int64_t max) {
  const std::string_view text = checked_integer_text(node, path);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    fail_at(node, path, range_message(min, max, text));
  }
  return value;
}

std::uint64_t read_unsigned(const Node& node, const std::string& path, std::uint64_t min,
                            std::uint64_t max) {
  const std::string_view text = checked_integer_text(node, path);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    fail_at(node, path, range_message(min, max, text));
  }
  return value;
}

policy::Decimal read_decimal(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::scalar || node.scalar_type == ScalarType::boolean) {
    fail_at(node, path, expected_got("a decimal number", node));
  }
  const auto value = policy::Decimal::parse(node.text);
  if (!value) {
    fail_at(node, path,
            "invalid decimal " + quote_value(node.text) +
                "; expected a plain number such as 5 or 5.00, with at most 9 fractional digits "
                "and no exponent");
  }
  return *value;
}

std::vector<std::string> read_string_list(const Node& node, const std::string& path) {
  expect_sequence(node, path);
  std::vector<std::string> items;
  items.reserve(node.children.size());
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    items.push_back(read_nonempty_string(node.children[i], append_index(path, i)));
  }
  return items;
}

std::map<std::string, std::string> read_string_map(const Node& node, const std::string& path) {
  expect_mapping(node, path);
  std::map<std::string, std::string> entries;
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const std::string key_path = append_key(path, node.keys[i].text);
    if (node.keys[i].text.find('\0') != std::string::npos) {
      throw SourceError(node.keys[i].mark, key_path, "key contains a NUL byte");
    }
    entries.emplace(node.keys[i].text, read_string(node.children[i], key_path));
  }
  return entries;
}

}  // namespace nucleus::spec
