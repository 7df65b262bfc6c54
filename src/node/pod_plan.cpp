#include "node/pod_plan.h"

#include "spec/compile.h"
#include "spec/flattened_yaml.h"
#include "spec/document.h"

namespace nucleus::node {

bool is_pod_content_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media == "application/yaml" || media == "application/x-yaml" || media == "text/yaml" ||
         media == "application/json";
}

namespace {

void apply_resources(const spec::ResourcesSpec& resources, sandbox::Limits& limits) {
  if (resources.memory_mib) limits.memory_bytes = *resources.memory_mib << 20;
  if (resources.pids) limits.pids = *resources.pids;
  if (resources.cpu_millis) limits.cpu_millis = *resources.cpu_millis;
  if (resources.disk_mib) limits.workspace_bytes = *resources.disk_mib << 20;
}

}  // namespace

Result<PodPlan> plan_pod(std::string_view body) {
  if (body.size() > kMaxPodBodyBytes) {
    return make_error("the pod document is larger than " + std::to_string(kMaxPodBodyBytes) + " bytes");
  }
  // `curl -d @file`, as the Kubernetes quickstart writes it, strips every
  // line break; rebuild them so the quickstart's command works as written.
  const std::optional<std::string> restored = spec::restore_line_breaks(body);
  std::vector<std::string> warnings;
  if (restored) {
    body = *restored;
    warnings.push_back(
        "the body had no line breaks (curl -d strips them), so they were restored from the document's indentation; "
        "send YAML with curl --data-binary to keep it exact");
  }
  auto documents = spec::parse_documents(body, "request");
  if (!documents) return make_error(documents.error());
  auto compiled = spec::compile_first_policy(*documents);
  if (!compiled) return make_error(compiled.error());

  // compile_first_policy succeeded, so exactly one document bears a policy.
  const spec::Document* pod = nullptr;
  for (const auto& document : *documents) {
    if (document.kind != spec::DocumentKind::nucleus_sandbox_claim) pod = &document;
  }
  if (pod == nullptr) return make_error("request: no PodSpec, ConfigMap or NucleusSandbox document");

  PodPlan plan{.name = pod->name,
               .profile = pod->spec.profile.value_or(std::string(spec::kDefaultProfile)),
               .policy = std::move(compiled).value(),
               .timeout_seconds = pod->spec.timeout_seconds,
               .sandbox = {},
               .egress_rules = {},
               .warnings = std::move(warnings)};
  plan.sandbox.work_dir = pod->spec.work_dir.value_or(std::string(spec::kDefaultWorkDir));
  apply_resources(pod->spec.resources, plan.sandbox.limits);
  plan.sandbox.policy_text = std::string(body);
  if (pod->spec.network) {
    plan.sandbox.egress = true;
    plan.egress_rules = pod->spec.network->dns_allow;
  }
  return plan;
}

}  // namespace nucleus::node
