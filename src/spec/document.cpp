#include "spec/document.h"

#include <array>
#include <string>
#include <vector>

#include "spec/document_readers.h"
#include "spec/field_path.h"
#include "spec/input_check.h"
#include "spec/line_index.h"
#include "spec/source_error.h"
#include "spec/yaml_tree.h"

namespace nucleus::spec {
namespace {

struct KnownKind {
  std::string_view kind;
  std::string_view api_version;
  DocumentKind document_kind;
};

constexpr std::array<KnownKind, 4> kKnownKinds = {{
    {"PodSpec", "nucleus.io/v1", DocumentKind::pod_spec},
    {"ConfigMap", "v1", DocumentKind::config_map},
    {"NucleusSandbox", "nucleus.io/v1", DocumentKind::nucleus_sandbox},
    {"NucleusSandboxClaim", "nucleus.io/v1", DocumentKind::nucleus_sandbox_claim},
}};

constexpr std::string_view kExpectedKinds =
    "expected PodSpec, ConfigMap with data.\"pod.yaml\", NucleusSandbox or NucleusSandboxClaim";

const Node* find_value(const Node& mapping, std::string_view key) {
  for (std::size_t i = 0; i < mapping.keys.size(); ++i) {
    if (mapping.keys[i].text == key) return &mapping.children[i];
  }
  return nullptr;
}

// `text` as written when it looks like a kind or apiVersion ("DaemonSet",
// "apps/v1"), otherwise quoted and escaped.
std::string display_name(std::string_view text) {
  const bool plain = !text.empty() && text.size() <= kMaxQuotedBytes &&
                     text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._/-") == std::string_view::npos;
  return plain ? std::string(text) : quote_value(text);
}

Document read_document(const Node& root, const LineIndex& source) {
  switch (identify_kind(root)) {
    case DocumentKind::pod_spec: return read_pod_spec(root, false);
    case DocumentKind::config_map: return read_config_map(root, source);
    case DocumentKind::nucleus_sandbox: return read_nucleus_sandbox(root);
    case DocumentKind::nucleus_sandbox_claim: return read_sandbox_claim(root);
  }
  throw SourceError(root.mark, "kind", std::string(kExpectedKinds));
}

}  // namespace

std::string_view to_string(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::pod_spec: return "PodSpec";
    case DocumentKind::config_map: return "ConfigMap";
    case DocumentKind::nucleus_sandbox: return "NucleusSandbox";
    case DocumentKind::nucleus_sandbox_claim: return "NucleusSandboxClaim";
  }
  return "unknown";
}

DocumentKind identify_kind(const Node& root) {
  if (root.kind != Node::Kind::mapping) {
    fail_at(root, "", "expected a mapping at the document root, got " + std::string(describe(root)));
  }
  const Node* kind_node = find_value(root, "kind");
  if (kind_node == nullptr) {
    throw SourceError(root.mark, "kind", "missing required field; " + std::string(kExpectedKinds));
  }
  const std::string kind = read_nonempty_string(*kind_node, "kind");
  const Node* api_node = find_value(root, "apiVersion");

  const KnownKind* known = nullptr;
  for (const KnownKind& candidate : kKnownKinds) {
    if (candidate.kind == kind) known = &candidate;
  }
  if (known == nullptr) {
    const bool has_api = api_node != nullptr && api_node->kind == Node::Kind::scalar;
    throw SourceError(root.mark, "kind",
                      display_name(kind) + " (" + (has_api ? display_name(api_node->text) : "no apiVersion") +
                          ") carries no Nucleus policy; " + std::string(kExpectedKinds));
  }

  const std::string expected(known->api_version);
  if (api_node == nullptr) {
    throw SourceError(root.mark, "apiVersion", "missing required field; expected " + expected);
  }
  const std::string api_version = read_nonempty_string(*api_node, "apiVersion");
  if (api_version != expected) {
    fail_at(*api_node, "apiVersion",
            "unsupported apiVersion " + quote_value(api_version) + " for kind " + kind + "; expected " +
                expected);
  }
  return known->document_kind;
}

Result<std::vector<Document>> parse_documents(std::string_view text, std::string_view source_name) {
  try {
    const std::string_view body = check_input_text(text);
    const std::vector<Node> roots = parse_yaml_stream(body);
    if (roots.empty()) {
      throw SourceError({1, 1}, "", "no documents; " + std::string(kExpectedKinds));
    }
    const LineIndex lines(body);
    std::vector<Document> documents;
    documents.reserve(roots.size());
    for (const Node& root : roots) documents.push_back(read_document(root, lines));
    return documents;
  } catch (const SourceError& error) {
    return make_error(error.format(source_name));
  }
}

}  // namespace nucleus::spec
