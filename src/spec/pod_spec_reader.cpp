#include <cstddef>
#include <string>

#include "spec/document_readers.h"
#include "spec/field_path.h"
#include "spec/policy_sections.h"

namespace nucleus::spec {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One part of a DNS name: lowercase letters, digits and '-', starting and
// ending with a letter or digit. Length limits are the caller's.
bool is_dns_part(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
  for (const char c : part) {
    if (!is_lower_alnum(c) && c != '-') return false;
  }
  return true;
}

// A DNS-1123 label, as Kubernetes requires for namespaces.
bool is_dns_label(std::string_view text) { return text.size() <= 63 && is_dns_part(text); }

}  // namespace

bool is_dns_subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  while (true) {
    const std::size_t dot = text.find('.');
    if (!is_dns_part(text.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

Metadata read_metadata(const MappingReader& document, bool name_required) {
  const Node* node = document.find("metadata");
  if (node == nullptr) {
    if (name_required) throw SourceError(document.node().mark, "metadata", "missing required field");
    return {};
  }

  const MappingReader metadata(*node, "metadata", {"name", "namespace", "labels", "annotations"});
  Metadata result;
  if (const Node* name = metadata.find("name")) {
    result.name = read_nonempty_string(*name, metadata.path_of("name"));
    if (!is_dns_subdomain(result.name)) {
      fail_at(*name, metadata.path_of("name"),
              "invalid name " + quote_value(result.name) +
                  "; use at most 253 lowercase letters, digits, '-' and '.', starting and "
                  "ending with a letter or digit");
    }
  } else if (name_required) {
    throw SourceError(node->mark, metadata.path_of("name"), "missing required field");
  }

  if (const Node* space = metadata.find("namespace")) {
    result.namespace_ = read_nonempty_string(*space, metadata.path_of("namespace"));
    if (!is_dns_label(result.namespace_)) {
      fail_at(*space, metadata.path_of("namespace"),
              "invalid namespace " + quote_value(result.namespace_) +
                  "; use at most 63 lowercase letters, digits and '-', starting and ending "
                  "with a letter or digit");
    }
  }
  if (const Node* labels = metadata.find("labels")) read_string_map(*labels, metadata.path_of("labels"));
  if (const Node* annotations = metadata.find("annotations")) {
    read_string_map(*annotations, metadata.path_of("annotations"));
  }
  return result;
}

Document read_pod_spec(const Node& root, bool embedded) {
  const MappingReader document(root, "", {"apiVersion", "kind", "metadata", "spec"});
  const Metadata metadata = read_metadata(document, !embedded);
  const MappingReader spec(document.require("spec"), "spec",
                           {"profile", "work_dir", "timeout_seconds", "image", "capabilities",
                            "obligations", "paths", "commands", "budget", "time", "network",
                            "resources"});

  PolicySpec policy;
  if (const Node* node = spec.find("profile")) policy.profile = read_profile(*node, spec.path_of("profile"));
  if (const Node* node = spec.find("work_dir")) policy.work_dir = read_work_dir(*node, spec.path_of("work_dir"));
  if (const Node* node = spec.find("timeout_seconds")) {
    policy.timeout_seconds = read_timeout_seconds(*node, spec.path_of("timeout_seconds"));
  }
  if (const Node* node = spec.find("image")) policy.image = read_nonempty_string(*node, spec.path_of("image"));
  read_permission_sections(spec, policy);
  if (const Node* node = spec.find("network")) policy.network = read_network(*node, spec.path_of("network"));
  if (const Node* node = spec.find("resources")) {
    policy.resources = read_resources(*node, spec.path_of("resources"));
  }

  Document result;
  result.kind = DocumentKind::pod_spec;
  result.api_version = "nucleus.io/v1";
  result.name = metadata.name;
  result.namespace_ = metadata.namespace_;
  result.line = root.mark.line;
  result.spec = std::move(policy);
  return result;
}

}  // namespace nucleus::spec
