#include "spec/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstddef>
#include <map>
#include <sstream>
#include <utility>

#include "spec/core_schema.h"
#include "spec/document.h"
#include "spec/field_path.h"
#include "spec/line_index.h"

namespace nucleus::spec {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// yaml-cpp passes "?" for an untagged plain scalar or collection and "!"
// for a quoted or block scalar.
constexpr std::string_view kNoTag = "?";
constexpr std::string_view kNonSpecificTag = "!";

SourceMark to_source_mark(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {1, 1};
  return {mark.line + 1, mark.column + 1};
}

std::string display_tag(std::string_view tag) {
  if (tag.starts_with(kCoreTagPrefix)) return "!!" + std::string(tag.substr(kCoreTagPrefix.size()));
  return std::string(tag);
}

std::string unsupported_tag_message(std::string_view tag) {
  return "tag " + display_tag(tag) +
         " is not supported; only the YAML core tags !!str, !!int, !!float, !!bool, !!null, "
         "!!map and !!seq are allowed";
}

}  // namespace

std::string_view describe(const Node& node) {
  switch (node.kind) {
    case Node::Kind::null: return "null";
    case Node::Kind::mapping: return "a mapping";
    case Node::Kind::sequence: return "a sequence";
    case Node::Kind::scalar: break;
  }
  switch (node.scalar_type) {
    case ScalarType::boolean: return "a boolean";
    case ScalarType::integer: return "an integer";
    case ScalarType::floating: return "a float";
    case ScalarType::string: break;
  }
  return "a string";
}

namespace {

// Builds one Node per document from yaml-cpp's events. Each check throws
// SourceError out through yaml-cpp's parser, which stops the parse at once.
class TreeBuilder final : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string_view text) : lines_(text) {}

  std::vector<Node> take_documents() { return std::move(documents_); }

  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    reject_anchor(mark, anchor);
    Node node;
    node.kind = Node::Kind::null;
    node.mark = to_source_mark(mark);
    count_node(node.mark);
    attach(std::move(node));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    throw_anchor_error(to_source_mark(mark));
  }

  void OnAnchor(const YAML::Mark& mark, const std::string& /*anchor_name*/) override {
    throw_anchor_error(to_source_mark(mark));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    reject_anchor(mark, anchor);
    Node node;
    node.kind = Node::Kind::scalar;
    node.mark = to_source_mark(mark);
    node.text = value;
    count_node(node.mark);
    if (tag != kNoTag) reject_unterminated_quote(node.mark);
    apply_scalar_tag(node, tag);
    attach(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    reject_anchor(mark, anchor);
    open(Node::Kind::sequence, to_source_mark(mark), tag);
  }

  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    reject_anchor(mark, anchor);
    open(Node::Kind::mapping, to_source_mark(mark), tag);
  }

  void OnMapEnd() override { close(); }

 private:
  // A collection being built. For a mapping, `pending_key` is the key whose
  // value comes next, and `first_seen` remembers where each key was first
  // written, for duplicate-key messages.
  struct Frame {
    Node node;
    bool has_pending_key = false;
    MappingKey pending_key;
    std::map<std::string, SourceMark, std::less<>> first_seen;
  };

  [[noreturn]] void throw_anchor_error(SourceMark mark) const {
    throw SourceError(mark, current_path(),
                      "aliases and anchors are not supported (this also rules out alias "
                      "bombs); write the value out in full");
  }

  void reject_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) const {
    if (anchor != YAML::NullAnchor) throw_anchor_error(to_source_mark(mark));
  }

  void count_node(SourceMark mark) {
    if (++node_count_ > kMaxNodes) {
      throw SourceError(mark, current_path(),
                        "too many nodes: a stream may contain at most " +
                            std::to_string(kMaxNodes) + " keys, values and items");
    }
  }

  // Throws when the quoted scalar at `mark` (after any tag) has no closing
  // quote. yaml-cpp 0.7 accepts a quoted scalar that runs to the end of
  // the input, so a truncated file would otherwise parse.
  void reject_unterminated_quote(SourceMark mark) const {
    const std::string_view text = lines_.text();
    std::size_t pos = lines_.offset(mark).value_or(text.size());
    if (pos < text.size() && text[pos] == '!') pos = text.find_first_of(" \t\r\n", pos);
    pos = pos < text.size() ? text.find_first_not_of(" \t", pos) : std::string_view::npos;
    if (pos == std::string_view::npos) return;

    const char quote = text[pos];
    if (quote != '"' && quote != '\'') return;
    for (std::size_t i = pos + 1; i < text.size(); ++i) {
      if (quote == '"' && text[i] == '\\') {
        ++i;
      } else if (text[i] == quote) {
        // In single quotes, '' is an escaped quote, not the end.
        if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;
          continue;
        }
        return;
      }
    }
    throw SourceError(mark, current_path(),
                      std::string("invalid YAML: unterminated ") +
                          (quote == '"' ? "double" : "single") + "-quoted string");
  }

  void apply_scalar_tag(Node& node, std::string_view tag) const {
    if (tag == kNoTag) {
      node.scalar_type = resolve_plain_scalar(node.text);
      return;
    }
    if (tag == kNonSpecificTag || tag == "tag:yaml.org,2002:str") {
      node.scalar_type = ScalarType::string;
      return;
    }

    bool fits = false;
    if (tag == "tag:yaml.org,2002:int") {
      fits = is_core_int(node.text);
      node.scalar_type = ScalarType::integer;
    } else if (tag == "tag:yaml.org,2002:float") {
      fits = is_core_float(node.text);
      node.scalar_type = ScalarType::floating;
    } else if (tag == "tag:yaml.org,2002:bool") {
      fits = is_core_bool(node.text);
      node.scalar_type = ScalarType::boolean;
    } else if (tag == "tag:yaml.org,2002:null") {
      fits = is_core_null(node.text);
      node.kind = Node::Kind::null;
      node.text.clear();
    } else if (tag == "tag:yaml.org,2002:map" || tag == "tag:yaml.org,2002:seq") {
      throw SourceError(node.mark, current_path(), "tag " + display_tag(tag) + " on a scalar");
    } else {
      throw SourceError(node.mark, current_path(), unsupported_tag_message(tag));
    }
    if (!fits) {
      throw SourceError(node.mark, current_path(),
                        "value " + quote_value(node.text) + " does not match its tag " + display_tag(tag));
    }
  }

  void check_collection_tag(Node::Kind kind, SourceMark mark, std::string_view tag) const {
    if (tag == kNoTag || tag == kNonSpecificTag) return;
    const std::string_view expected =
        kind == Node::Kind::mapping ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
    if (tag == expected) return;
    if (tag.starts_with(kCoreTagPrefix)) {
      throw SourceError(mark, current_path(),
                        "tag " + display_tag(tag) + " on " +
                            (kind == Node::Kind::mapping ? "a mapping" : "a sequence"));
    }
    throw SourceError(mark, current_path(), unsupported_tag_message(tag));
  }

  void open(Node::Kind kind, SourceMark mark, std::string_view tag) {
    if (expects_key()) {
      throw SourceError(mark, current_path(), "mapping keys must be scalars, not collections");
    }
    count_node(mark);
    check_collection_tag(kind, mark, tag);
    if (stack_.size() + 1 > kMaxNestingDepth) {
      throw SourceError(mark, current_path(),
                        "nesting deeper than " + std::to_string(kMaxNestingDepth) +
                            " levels is not supported");
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.mark = mark;
    stack_.push_back(std::move(frame));
  }

  void close() {
    Node node = std::move(stack_.back().node);
    stack_.pop_back();
    attach(std::move(node));
  }

  bool expects_key() const {
    return !stack_.empty() && stack_.back().node.kind == Node::Kind::mapping &&
           !stack_.back().has_pending_key;
  }

  void attach(Node node) {
    if (stack_.empty()) {
      if (node.kind != Node::Kind::null) documents_.push_back(std::move(node));
      return;
    }
    Frame& frame = stack_.back();
    if (frame.node.kind == Node::Kind::sequence) {
      frame.node.children.push_back(std::move(node));
    } else if (!frame.has_pending_key) {
      accept_key(frame, node);
    } else {
      // yaml-cpp marks an empty value ("key:" at the end of a line) at the
      // next token, often on a later line. The key is the clearer place.
      if (node.kind == Node::Kind::null && node.mark.line != frame.pending_key.mark.line) {
        node.mark = frame.pending_key.mark;
      }
      frame.node.keys.push_back(std::move(frame.pending_key));
      frame.node.children.push_back(std::move(node));
      frame.has_pending_key = false;
    }
  }

  void accept_key(Frame& frame, const Node& key) const {
    if (key.kind == Node::Kind::null) {
      throw SourceError(key.mark, current_path(), "mapping keys must not be null or empty");
    }
    const auto [first, inserted] = frame.first_seen.emplace(key.text, key.mark);
    if (!inserted) {
      throw SourceError(key.mark, append_key(current_path(), key.text), "duplicate key",
                        first->second);
    }
    frame.pending_key = MappingKey{key.text, key.mark};
    frame.has_pending_key = true;
  }

  // The field path of the node being read next, from the open collections.
  std::string current_path() const {
    std::string path;
    for (const Frame& frame : stack_) {
      if (frame.node.kind == Node::Kind::sequence) {
        path = append_index(path, frame.node.children.size());
      } else if (frame.has_pending_key) {
        path = append_key(path, frame.pending_key.text);
      }
    }
    return path;
  }

  LineIndex lines_;
  std::vector<Frame> stack_;
  std::vector<Node> documents_;
  std::size_t node_count_ = 0;
};

}  // namespace

std::vector<Node> parse_yaml_stream(std::string_view text) {
  std::istringstream input{std::string(text)};
  YAML::Parser parser(input);
  TreeBuilder builder(text);
  try {
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::ParserException& error) {
    // An alias to an undefined anchor fails inside yaml-cpp before any
    // event reaches the builder.
    if (error.msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) {
      throw SourceError(to_source_mark(error.mark), "",
                        "aliases and anchors are not supported; write the value out in full");
    }
    throw SourceError(to_source_mark(error.mark), "", "invalid YAML: " + error.msg);
  } catch (const YAML::Exception& error) {
    throw SourceError(to_source_mark(error.mark), "", "invalid YAML: " + error.msg);
  }
  return builder.take_documents();
}

}  // namespace nucleus::spec
