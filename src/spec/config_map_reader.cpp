#include <optional>
#include <string>
#include <vector>

#include "spec/block_scalar.h"
#include "spec/document_readers.h"
#include "spec/field_path.h"
#include "spec/input_check.h"

namespace nucleus::spec {
namespace {

constexpr std::string_view kPodKey = "pod.yaml";

// `error`, raised inside the embedded document, moved into the outer file:
// its path gains the data."pod.yaml" prefix and its position is mapped
// through the literal block. Other scalar styles cannot be mapped line by
// line, so the error points at the scalar and names the inner position.
SourceError to_outer_error(const SourceError& error, const std::string& pod_path,
                           const std::optional<BlockOrigin>& origin, SourceMark value_mark) {
  std::string path = pod_path;
  if (!error.path().empty()) {
    path += error.path().starts_with('[') ? "" : ".";
    path += error.path();
  }
  const std::optional<SourceMark> first = error.first_definition();
  if (origin) {
    return SourceError(map_from_block(*origin, error.mark()), path, error.message(),
                       first ? std::optional(map_from_block(*origin, *first)) : std::nullopt);
  }
  const auto inner_position = [](SourceMark mark) {
    return "line " + std::to_string(mark.line) + ", column " + std::to_string(mark.column) +
           " of the embedded document";
  };
  std::string message = error.message();
  if (first) message += "; it is first defined at " + inner_position(*first);
  message += " (at " + inner_position(error.mark()) + ")";
  return SourceError(value_mark, path, message);
}

Document read_embedded_pod_spec(const Node& root) {
  if (identify_kind(root) != DocumentKind::pod_spec) {
    throw SourceError(root.mark, "kind",
                      "a ConfigMap's data.\"pod.yaml\" must contain a PodSpec, got kind " +
                          std::string(to_string(identify_kind(root))));
  }
  return read_pod_spec(root, true);
}

Document parse_embedded_pod_spec(const Node& value, const MappingKey& key, const LineIndex& source,
                                 const std::string& pod_path) {
  const std::string text = read_nonempty_string(value, pod_path);
  const std::optional<BlockOrigin> origin = find_literal_block(source, value.mark, key.mark.column);
  try {
    const std::string_view body = check_input_text(text);
    const std::vector<Node> roots = parse_yaml_stream(body);
    if (roots.empty()) throw SourceError({1, 1}, "", "no documents; expected one PodSpec");
    if (roots.size() > 1) {
      throw SourceError(roots[1].mark, "", "more than one document; expected one PodSpec");
    }
    return read_embedded_pod_spec(roots.front());
  } catch (const SourceError& error) {
    throw to_outer_error(error, pod_path, origin, value.mark);
  }
}

}  // namespace

Document read_config_map(const Node& root, const LineIndex& source) {
  const MappingReader document(root, "", {"apiVersion", "kind", "metadata", "data"});
  const Metadata metadata = read_metadata(document, true);
  const Node& data = document.require("data");
  expect_mapping(data, "data");

  // Other data keys are for other readers of the ConfigMap, so they only
  // have to be strings, as in any ConfigMap.
  const Node* pod_value = nullptr;
  const MappingKey* pod_key = nullptr;
  for (std::size_t i = 0; i < data.keys.size(); ++i) {
    read_string(data.children[i], append_key("data", data.keys[i].text));
    if (data.keys[i].text == kPodKey) {
      pod_value = &data.children[i];
      pod_key = &data.keys[i];
    }
  }
  const std::string pod_path = append_key("data", kPodKey);
  if (pod_value == nullptr) {
    throw SourceError(data.mark, pod_path,
                      "missing required field; a Nucleus ConfigMap carries its PodSpec here");
  }

  Document result = parse_embedded_pod_spec(*pod_value, *pod_key, source, pod_path);
  result.kind = DocumentKind::config_map;
  result.api_version = "v1";
  result.line = root.mark.line;
  if (result.name.empty()) result.name = metadata.name;
  if (result.namespace_.empty()) result.namespace_ = metadata.namespace_;
  return result;
}

}  // namespace nucleus::spec
