#include <string>

#include "spec/document_readers.h"
#include "spec/field_path.h"
#include "spec/policy_sections.h"
#include "spec/time_parse.h"

namespace nucleus::spec {
namespace {

PolicySpec read_sandbox_spec(const Node& node) {
  const MappingReader spec(node, "spec",
                           {"profile", "workDir", "work_dir", "image", "timeoutSeconds",
                            "timeout_seconds", "permissions", "network", "resources"});
  PolicySpec policy;
  std::string spelling;
  if (const Node* value = spec.find("profile")) policy.profile = read_profile(*value, spec.path_of("profile"));
  if (const Node* value = spec.find_either("workDir", "work_dir", &spelling)) {
    policy.work_dir = read_work_dir(*value, spec.path_of(spelling));
  }
  if (const Node* value = spec.find("image")) {
    policy.image = read_nonempty_string(*value, spec.path_of("image"));
  }
  if (const Node* value = spec.find_either("timeoutSeconds", "timeout_seconds", &spelling)) {
    policy.timeout_seconds = read_timeout_seconds(*value, spec.path_of(spelling));
  }
  if (const Node* value = spec.find("permissions")) {
    const MappingReader permissions(*value, spec.path_of("permissions"),
                                    {"capabilities", "obligations", "paths", "commands", "budget",
                                     "time"});
    read_permission_sections(permissions, policy);
  }
  if (const Node* value = spec.find("network")) policy.network = read_network(*value, spec.path_of("network"));
  if (const Node* value = spec.find("resources")) {
    policy.resources = read_resources(*value, spec.path_of("resources"));
  }
  return policy;
}

// A claim's time to live: integer seconds, or a duration such as "1h".
std::int64_t read_ttl_seconds(const Node& node, const std::string& path) {
  if (node.kind == Node::Kind::scalar && node.scalar_type == ScalarType::integer) {
    return read_integer(node, path, 1, kMaxClaimTtlSeconds);
  }
  const std::string text = read_nonempty_string(node, path);
  auto seconds = parse_duration(text);
  if (!seconds) fail_at(node, path, seconds.error());
  if (*seconds < 1 || *seconds > kMaxClaimTtlSeconds) {
    fail_at(node, path,
            "must be between 1s and " + std::to_string(kMaxClaimTtlSeconds) + "s, got " + quote_value(text));
  }
  return *seconds;
}

}  // namespace

Document read_nucleus_sandbox(const Node& root) {
  const MappingReader document(root, "", {"apiVersion", "kind", "metadata", "spec"});
  const Metadata metadata = read_metadata(document, true);

  Document result;
  result.kind = DocumentKind::nucleus_sandbox;
  result.api_version = "nucleus.io/v1";
  result.name = metadata.name;
  result.namespace_ = metadata.namespace_;
  result.line = root.mark.line;
  result.spec = read_sandbox_spec(document.require("spec"));
  return result;
}

Document read_sandbox_claim(const Node& root) {
  const MappingReader document(root, "", {"apiVersion", "kind", "metadata", "spec"});
  const Metadata metadata = read_metadata(document, true);
  const MappingReader spec(document.require("spec"), "spec", {"templateRef", "ttl"});

  Document result;
  result.kind = DocumentKind::nucleus_sandbox_claim;
  result.api_version = "nucleus.io/v1";
  result.name = metadata.name;
  result.namespace_ = metadata.namespace_;
  result.line = root.mark.line;

  const Node& template_ref = spec.require("templateRef");
  result.claim.template_ref = read_nonempty_string(template_ref, spec.path_of("templateRef"));
  if (!is_dns_subdomain(result.claim.template_ref)) {
    fail_at(template_ref, spec.path_of("templateRef"),
            "invalid template name " + quote_value(result.claim.template_ref) +
                "; expected the metadata.name of a NucleusSandbox");
  }
  if (const Node* ttl = spec.find("ttl")) result.claim.ttl_seconds = read_ttl_seconds(*ttl, spec.path_of("ttl"));
  return result;
}

}  // namespace nucleus::spec
