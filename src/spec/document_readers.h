// Readers for each document kind, used by parse_documents. Each takes the
// root mapping of one document and throws SourceError, with positions and
// field paths relative to that document, on any invalid input.
#pragma once

#include <string>
#include <string_view>

#include "spec/document.h"
#include "spec/field_reader.h"
#include "spec/line_index.h"
#include "spec/yaml_tree.h"

namespace nucleus::spec {

// The kind and apiVersion of a document, checked against the kinds that
// carry Nucleus policy. Throws for a root that is not a mapping, a missing
// kind or apiVersion, a kind that carries no policy (a DaemonSet) and an
// apiVersion that does not belong to the kind.
DocumentKind identify_kind(const Node& root);

// metadata.name and metadata.namespace, after checking the whole metadata
// mapping. `name_required` is false only for a PodSpec inside a ConfigMap,
// which may take the ConfigMap's name.
struct Metadata {
  std::string name;
  std::string namespace_;
};
Metadata read_metadata(const MappingReader& document, bool name_required);

// True for a Kubernetes DNS-1123 subdomain: at most 253 characters, dot-
// separated parts of lowercase letters, digits and '-', each starting and
// ending with a letter or digit.
bool is_dns_subdomain(std::string_view text);

// `embedded` marks a PodSpec read from a ConfigMap's data."pod.yaml".
Document read_pod_spec(const Node& root, bool embedded);
Document read_nucleus_sandbox(const Node& root);
Document read_sandbox_claim(const Node& root);

// `source` indexes the text the root was parsed from, to map positions in
// the embedded pod.yaml back to it.
Document read_config_map(const Node& root, const LineIndex& source);

}  // namespace nucleus::spec
