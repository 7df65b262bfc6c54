// One row per class of invalid input: each asserts the exact line:column,
// the field path and the gist of the message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spec/document.h"
#include "spec_test_support.h"

namespace nucleus::spec {
namespace {

struct ErrorCase {
  std::string name;
  std::string text;
  std::string location;  // "line:column"
  std::string start;     // what follows the position: the field path, or the message
  std::string part;      // a part of the message
};

// A PodSpec whose spec section is `body`; the body starts on line 6.
std::string pod(std::string_view body) {
  return "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: test-pod\nspec:\n" +
         std::string(body);
}

// A NucleusSandbox whose spec section is `body`, starting on line 6.
std::string sandbox(std::string_view body) {
  return "apiVersion: nucleus.io/v1\nkind: NucleusSandbox\nmetadata:\n  name: sb\nspec:\n" +
         std::string(body);
}

// A NucleusSandboxClaim whose spec section is `body`, starting on line 6.
std::string claim(std::string_view body) {
  return "apiVersion: nucleus.io/v1\nkind: NucleusSandboxClaim\nmetadata:\n  name: c\nspec:\n" +
         std::string(body);
}

// A ConfigMap whose pod.yaml literal block contains `inner`, indented by four
// spaces; the inner document's line 1 is line 7 of the file.
std::string config_map(std::string_view inner) {
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  pod.yaml: |\n";
  std::string_view rest = inner;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    text += "    " + std::string(rest.substr(0, end)) + "\n";
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return text;
}

const std::string kInnerHeader =
    "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\nspec:\n";

std::vector<ErrorCase> schema_cases() {
  return {
      {"UnknownSpecField", pod("  profil: code-review\n"), "6:3", "spec.profil: ",
       "unknown field; expected one of: profile, work_dir, timeout_seconds, image"},
      {"UnknownRootField", pod("  profile: demo\nstatus: {}\n"), "7:1", "status: ",
       "unknown field; expected one of: apiVersion, kind, metadata, spec"},
      {"UnknownProfile", pod("  profile: super\n"), "6:12", "spec.profile: ",
       "unknown profile \"super\"; expected one of: read-only, code-review"},
      {"BooleanWhereStringExpected", pod("  profile: true\n"), "6:12", "spec.profile: ",
       "expected a string, got a boolean (\"true\")"},
      {"NullWhereStringExpected", pod("  profile:\n"), "6:3", "spec.profile: ",
       "expected a string, got null"},
      {"RelativeWorkDir", pod("  work_dir: workspace\n"), "6:13", "spec.work_dir: ",
       "must be an absolute path"},
      {"WorkDirWithParentSegment", pod("  work_dir: /workspace/../etc\n"), "6:13",
       "spec.work_dir: ", "must not contain \"..\" segments"},
      {"NegativeTimeout", pod("  timeout_seconds: -5\n"), "6:20", "spec.timeout_seconds: ",
       "must be an integer between 1 and 604800, got -5"},
      {"ZeroTimeout", pod("  timeout_seconds: 0\n"), "6:20", "spec.timeout_seconds: ",
       "between 1 and 604800, got 0"},
      {"TimeoutOverMaximum", pod("  timeout_seconds: 604801\n"), "6:20", "spec.timeout_seconds: ",
       "got 604801"},
      {"TimeoutOverflowsInt64", pod("  timeout_seconds: 99999999999999999999999\n"), "6:20",
       "spec.timeout_seconds: ", "got 99999999999999999999999"},
      {"FloatTimeout", pod("  timeout_seconds: 1.5\n"), "6:20", "spec.timeout_seconds: ",
       "expected an integer, got a float (\"1.5\")"},
      {"ExponentTimeout", pod("  timeout_seconds: 1e3\n"), "6:20", "spec.timeout_seconds: ",
       "expected an integer, got a float"},
      {"QuotedTimeout", pod("  timeout_seconds: \"3600\"\n"), "6:20", "spec.timeout_seconds: ",
       "expected an integer, got a string (\"3600\"); remove the quotes"},
      {"TimeoutWithPlusSign", pod("  timeout_seconds: +5\n"), "6:20", "spec.timeout_seconds: ",
       "a leading '+' is not allowed"},
      {"HexTimeout", pod("  timeout_seconds: 0x10\n"), "6:20", "spec.timeout_seconds: ",
       "hexadecimal and octal integers are not allowed"},
      {"OctalLookingTimeout", pod("  timeout_seconds: 0755\n"), "6:20", "spec.timeout_seconds: ",
       "leading zeros are not allowed"},
      {"BooleanTimeout", pod("  timeout_seconds: false\n"), "6:20", "spec.timeout_seconds: ",
       "expected an integer, got a boolean"},
      {"UnknownOperation", pod("  capabilities:\n    read_filez: always\n"), "7:5",
       "spec.capabilities.read_filez: ",
       "unknown operation; expected one of: read_files, write_files, edit_files, run_bash"},
      {"UnknownLevel", pod("  capabilities:\n    read_files: sometimes\n"), "7:17",
       "spec.capabilities.read_files: ",
       "unknown level \"sometimes\"; expected never, low_risk or always"},
      {"CapabilitiesAsList", pod("  capabilities: [read_files]\n"), "6:17", "spec.capabilities: ",
       "expected a mapping, got a sequence"},
      {"UnknownObligation", pod("  obligations: [git_push, launch_missiles]\n"), "6:27",
       "spec.obligations[1]: ", "unknown operation \"launch_missiles\""},
      {"PathsAllowedNotAList", pod("  paths:\n    allowed: /workspace\n"), "7:14",
       "spec.paths.allowed: ", "expected a sequence, got a string (\"/workspace\")"},
      {"EmptyPath", pod("  paths:\n    allowed: [\"\"]\n"), "7:15", "spec.paths.allowed[0]: ",
       "must not be empty"},
      {"PathWithNul", pod("  paths:\n    blocked: [\"a\\0b\"]\n"), "7:15",
       "spec.paths.blocked[0]: ", "contains a NUL byte"},
      {"UnknownPathsField", pod("  paths:\n    denied: []\n"), "7:5", "spec.paths.denied: ",
       "unknown field; expected one of: allowed, blocked"},
      {"StructuredCommandWithoutArgs", pod("  commands:\n    allowed:\n      - {program: rm}\n"),
       "8:9", "spec.commands.allowed[0].args: ", "missing required field"},
      {"CommandAsList", pod("  commands:\n    blocked:\n      - [rm]\n"), "8:9",
       "spec.commands.blocked[0]: ",
       "expected a command string or a {program, args} mapping, got a sequence"},
      {"UnknownCommandField",
       pod("  commands:\n    allowed:\n      - {program: git, args: [push], shell: true}\n"),
       "8:38", "spec.commands.allowed[0].shell: ", "unknown field; expected one of: program, args"},
      {"InvalidPrefixCommand", pod("  commands:\n    allowed:\n      - \"/usr/bin/git push\"\n"),
       "8:9", "spec.commands.allowed[0]: ", "invalid command rule \"/usr/bin/git push\""},
      {"NegativeCost", pod("  budget:\n    max_cost_usd: -1\n"), "7:19",
       "spec.budget.max_cost_usd: ", "must not be negative"},
      {"CostWithExponent", pod("  budget:\n    max_cost_usd: 1e3\n"), "7:19",
       "spec.budget.max_cost_usd: ", "invalid decimal \"1e3\""},
      {"CostWithTenDecimals", pod("  budget:\n    max_cost_usd: 0.0000000001\n"), "7:19",
       "spec.budget.max_cost_usd: ", "invalid decimal \"0.0000000001\""},
      {"NegativeTokens", pod("  budget:\n    max_input_tokens: -1\n"), "7:23",
       "spec.budget.max_input_tokens: ",
       "must be an integer between 0 and 18446744073709551615, got -1"},
      {"TokensOverflowUint64", pod("  budget:\n    max_output_tokens: 18446744073709551616\n"),
       "7:24", "spec.budget.max_output_tokens: ", "got 18446744073709551616"},
      {"InvalidTimestamp", pod("  time:\n    valid_from: 2026-13-01T00:00:00Z\n"), "7:17",
       "spec.time.valid_from: ", "invalid RFC 3339 timestamp \"2026-13-01T00:00:00Z\""},
      {"ValidUntilBeforeValidFrom",
       pod("  time:\n    valid_from: 2026-12-01T00:00:00Z\n    valid_until: 2026-11-30T00:00:00Z\n"),
       "8:18", "spec.time.valid_until: ", "must be later than valid_from"},
      {"DnsAllowWithoutPort", pod("  network:\n    dns_allow:\n      - api.anthropic.com\n"),
       "8:9", "spec.network.dns_allow[0]: ", "dns_allow entry \"api.anthropic.com\""},
      {"DnsAllowNotAList", pod("  network:\n    dns_allow: api.anthropic.com:443\n"), "7:16",
       "spec.network.dns_allow: ", "expected a sequence, got a string"},
      {"UnknownNetworkField", pod("  network:\n    egress: []\n"), "7:5", "spec.network.egress: ",
       "unknown field; expected one of: dns_allow"},
      {"InvalidCpu", pod("  resources:\n    cpu: lots\n"), "7:10", "spec.resources.cpu: ",
       "invalid CPU quantity \"lots\""},
      {"ZeroCpu", pod("  resources:\n    cpu: 0\n"), "7:10", "spec.resources.cpu: ",
       "must be between 1m and 1024000m, got \"0\""},
      {"CpuFinerThanMillicores", pod("  resources:\n    cpu: 0.0001\n"), "7:10",
       "spec.resources.cpu: ", "invalid CPU quantity \"0.0001\""},
      {"MemoryBelowMinimum", pod("  resources:\n    memory_mib: 8\n"), "7:17",
       "spec.resources.memory_mib: ", "must be an integer between 16 and 4194304, got 8"},
      {"DiskBelowMinimum", pod("  resources:\n    disk_mib: 1\n"), "7:15",
       "spec.resources.disk_mib: ", "must be an integer between 16 and 16777216, got 1"},
      {"PidsBelowMinimum", pod("  resources:\n    pids: 4\n"), "7:11", "spec.resources.pids: ",
       "between 8 and 4194304, got 4"},
      {"EmptyImage", pod("  image: \"\"\n"), "6:10", "spec.image: ", "must not be empty"},
      {"ImageAsMapping", pod("  image: {name: x}\n"), "6:10", "spec.image: ",
       "expected a string, got a mapping"},
  };
}

std::vector<ErrorCase> document_cases() {
  return {
      {"MissingSpec", "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\n", "1:1",
       "spec: ", "missing required field"},
      {"MultiLineNameIsEscaped",
       "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: |\n    two\n    lines\nspec: {}\n",
       "4:9", "metadata.name: ", "invalid name \"two\\x0Alines\\x0A\"; use at most 253"},
      {"MissingMetadata", "apiVersion: nucleus.io/v1\nkind: PodSpec\nspec: {}\n", "1:1",
       "metadata: ", "missing required field"},
      {"MissingName", "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  namespace: ns\nspec: {}\n",
       "4:3", "metadata.name: ", "missing required field"},
      {"InvalidName", "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: My_Pod\nspec: {}\n",
       "4:9", "metadata.name: ", "invalid name \"My_Pod\""},
      {"InvalidNamespace",
       "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\n  namespace: a.b\nspec: {}\n",
       "5:14", "metadata.namespace: ", "invalid namespace \"a.b\""},
      {"LabelValueNotAString",
       "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\n  labels:\n    app: {x: 1}\nspec: {}\n",
       "6:10", "metadata.labels.app: ", "expected a string, got a mapping"},
      {"MissingKind", "apiVersion: nucleus.io/v1\nmetadata: {name: p}\n", "1:1", "kind: ",
       "missing required field; expected PodSpec, ConfigMap with data.\"pod.yaml\""},
      {"KindWithoutPolicy", "apiVersion: apps/v1\nkind: Deployment\n", "1:1", "kind: ",
       "Deployment (apps/v1) carries no Nucleus policy"},
      {"UnsupportedApiVersion", pod("  profile: demo\n").replace(12, 13, "nucleus.io/v2"), "1:13",
       "apiVersion: ", "unsupported apiVersion \"nucleus.io/v2\" for kind PodSpec; expected nucleus.io/v1"},
      {"ConfigMapWithNucleusApiVersion", "apiVersion: nucleus.io/v1\nkind: ConfigMap\n", "1:13",
       "apiVersion: ", "for kind ConfigMap; expected v1"},
      {"MissingApiVersion", "kind: PodSpec\nmetadata: {name: p}\nspec: {}\n", "1:1", "apiVersion: ",
       "missing required field; expected nucleus.io/v1"},
      {"RootIsASequence", "- a\n- b\n", "1:1", "expected a mapping at the document root",
       "got a sequence"},
      {"RootIsAScalar", "hello\n", "1:1", "expected a mapping at the document root",
       "got a string"},
      {"EmptyStream", "", "1:1", "no documents", "expected PodSpec"},
      {"CommentsOnly", "# nothing here\n", "1:1", "no documents", ""},
      {"EmptyDocumentsOnly", "---\n---\n", "1:1", "no documents", ""},
      {"SecondDocumentInvalid", pod("  profile: demo\n") + "---\nkind: Secret\napiVersion: v1\n",
       "8:1", "kind: ", "Secret (v1) carries no Nucleus policy"},
      {"SyntaxError", "a: [1, 2\n", "2:1", "invalid YAML: ", "end of sequence flow not found"},
      {"UnterminatedDoubleQuote", "apiVersion: nucleus.io/v1\nkind: \"PodSpec\n", "2:7", "kind: ",
       "invalid YAML: unterminated double-quoted string"},
      {"UnterminatedSingleQuote", "kind: 'it''s\n", "1:7", "kind: ",
       "invalid YAML: unterminated single-quoted string"},
      {"Anchor", "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: &m {name: p}\n", "3:11",
       "metadata: ", "aliases and anchors are not supported"},
      {"AliasToUndefinedAnchor", "a: *x\n", "1:4", "aliases and anchors are not supported", ""},
      {"UnsupportedTag", "apiVersion: !foo nucleus.io/v1\n", "1:13", "apiVersion: ",
       "tag !foo is not supported"},
      {"BinaryTag", "apiVersion: !!binary aGVsbG8=\n", "1:13", "apiVersion: ",
       "tag !!binary is not supported"},
      {"TagDoesNotFitValue", "kind: !!int PodSpec\n", "1:7", "kind: ",
       "value \"PodSpec\" does not match its tag !!int"},
      {"StringTagOnMapping", "metadata: !!str {name: p}\n", "1:11", "metadata: ",
       "tag !!str on a mapping"},
      {"CollectionAsKey", "? [a]\n: b\n", "1:3", "mapping keys must be scalars", ""},
      {"NullKey", "~: x\n", "1:1", "mapping keys must not be null or empty", ""},
  };
}

std::vector<ErrorCase> duplicate_key_cases() {
  return {
      {"AtRoot", "apiVersion: nucleus.io/v1\nkind: PodSpec\nkind: PodSpec\n", "3:1", "kind: ",
       "duplicate key; it is first defined at line 2, column 1"},
      {"InSpec", pod("  profile: demo\n  profile: restrictive\n"), "7:3", "spec.profile: ",
       "duplicate key; it is first defined at line 6, column 3"},
      {"InCapabilities", pod("  capabilities:\n    read_files: always\n    read_files: never\n"),
       "8:5", "spec.capabilities.read_files: ", "first defined at line 7, column 5"},
      {"QuotedAndPlainSpelling",
       pod("  capabilities:\n    read_files: always\n    \"read_files\": never\n"), "8:5",
       "spec.capabilities.read_files: ", "first defined at line 7, column 5"},
      {"InSequenceItem", pod("  commands:\n    allowed:\n      - {program: a, program: b, args: []}\n"),
       "8:22", "spec.commands.allowed[0].program: ", "first defined at line 8, column 10"},
      {"InJson", R"({"kind": "PodSpec", "kind": "PodSpec"})", "1:21", "kind: ",
       "first defined at line 1, column 2"},
      {"InEmbeddedPodYaml", config_map(kInnerHeader + "  profile: demo\n  profile: demo\n"), "13:7",
       "data.\"pod.yaml\".spec.profile: ", "duplicate key; it is first defined at line 12, column 7"},
  };
}

std::vector<ErrorCase> sandbox_and_claim_cases() {
  return {
      {"BothWorkDirSpellings", sandbox("  workDir: /a\n  work_dir: /b\n"), "7:3", "spec.work_dir: ",
       "workDir and work_dir are two spellings of one field; set only one"},
      {"BothTimeoutSpellings", sandbox("  timeout_seconds: 5\n  timeoutSeconds: 5\n"), "7:3",
       "spec.timeoutSeconds: ", "two spellings of one field"},
      {"CamelCaseTimeoutOutOfRange", sandbox("  timeoutSeconds: 0\n"), "6:19", "spec.timeoutSeconds: ",
       "between 1 and 604800, got 0"},
      {"NetworkUnderPermissions", sandbox("  permissions:\n    network: {}\n"), "7:5",
       "spec.permissions.network: ",
       "unknown field; expected one of: capabilities, obligations, paths, commands, budget, time"},
      {"SandboxUnknownLevel", sandbox("  permissions:\n    capabilities: {git_push: maybe}\n"), "7:30",
       "spec.permissions.capabilities.git_push: ", "unknown level \"maybe\""},
      {"ClaimWithoutTemplateRef", claim("  ttl: 1h\n"), "6:3", "spec.templateRef: ",
       "missing required field"},
      {"ClaimZeroTtl", claim("  templateRef: t\n  ttl: 0s\n"), "7:8", "spec.ttl: ",
       "must be between 1s and 2592000s, got \"0s\""},
      {"ClaimTtlUnknownUnit", claim("  templateRef: t\n  ttl: 1x\n"), "7:8", "spec.ttl: ",
       "invalid duration \"1x\": units must be d, h, m or s"},
      {"ClaimTtlOverMaximum", claim("  templateRef: t\n  ttl: 31d\n"), "7:8", "spec.ttl: ",
       "must be between 1s and 2592000s"},
      {"ClaimNegativeTtl", claim("  templateRef: t\n  ttl: -5\n"), "7:8", "spec.ttl: ",
       "must be an integer between 1 and 2592000, got -5"},
      {"ClaimTtlRepeatedUnit", claim("  templateRef: t\n  ttl: 1h1h\n"), "7:8", "spec.ttl: ",
       "units must appear once each, in the order d, h, m, s"},
      {"ClaimInvalidTemplateRef", claim("  templateRef: My Agent\n"), "6:16", "spec.templateRef: ",
       "invalid template name \"My Agent\""},
  };
}

std::vector<ErrorCase> config_map_cases() {
  const std::string header = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n";
  return {
      {"EmbeddedUnknownProfile", config_map(kInnerHeader + "  profile: nope\n"), "12:16",
       "data.\"pod.yaml\".spec.profile: ", "unknown profile \"nope\""},
      {"EmbeddedUnknownField", config_map(kInnerHeader + "  capabilities:\n    read_files: always\n    sudo: always\n"),
       "14:9", "data.\"pod.yaml\".spec.capabilities.sudo: ", "unknown operation"},
      {"EmbeddedUnterminatedQuote", config_map(kInnerHeader + "  profile: \"demo\n"), "12:16",
       "data.\"pod.yaml\".spec.profile: ", "invalid YAML: unterminated double-quoted string"},
      {"EmbeddedUnclosedFlowSequence", config_map(kInnerHeader + "  obligations: [git_push\n"),
       "13:5", "data.\"pod.yaml\": ", "invalid YAML: end of sequence flow not found"},
      {"EmbeddedAnchor", config_map(kInnerHeader + "  profile: &p demo\n"), "12:16",
       "data.\"pod.yaml\".spec.profile: ", "aliases and anchors are not supported"},
      {"EmbeddedWrongKind",
       config_map("apiVersion: nucleus.io/v1\nkind: NucleusSandbox\nmetadata:\n  name: p\nspec: {}\n"),
       "7:5", "data.\"pod.yaml\".kind: ",
       "a ConfigMap's data.\"pod.yaml\" must contain a PodSpec, got kind NucleusSandbox"},
      {"EmbeddedTwoDocuments", config_map(kInnerHeader + "  profile: demo\n---\n" + kInnerHeader + "  {}\n"),
       "14:5", "data.\"pod.yaml\": ", "more than one document; expected one PodSpec"},
      {"EmbeddedExplicitIndentation",
       header + "  pod.yaml: |2\n    apiVersion: nucleus.io/v1\n    kind: PodSpec\n    spec: {profil: x}\n",
       "9:12", "data.\"pod.yaml\".spec.profil: ", "unknown field"},
      {"EmbeddedInQuotedString",
       header + "  pod.yaml: \"apiVersion: nucleus.io/v1\\nkind: PodSpec\\nspec: {profile: x}\"\n",
       "6:13", "data.\"pod.yaml\".spec.profile: ",
       "unknown profile \"x\"; expected one of: read-only, code-review, fix-issue, demo, permissive, "
       "restrictive (at line 3, column 17 of the embedded document)"},
      {"EmbeddedDuplicateInQuotedString",
       header + "  pod.yaml: \"kind: PodSpec\\nkind: PodSpec\"\n", "6:13", "data.\"pod.yaml\".kind: ",
       "duplicate key; it is first defined at line 1, column 1 of the embedded document (at line 2, "
       "column 1 of the embedded document)"},
      {"EmbeddedNulEscape", header + "  pod.yaml: \"kind: Pod\\0Spec\"\n", "6:13", "data.\"pod.yaml\": ",
       "contains a NUL byte"},
      {"EmbeddedControlCharacterEscape", header + "  pod.yaml: \"kind: Pod\\x01Spec\"\n", "6:13",
       "data.\"pod.yaml\": ",
       "character U+0001 is not allowed in a YAML stream; remove it (at line 1, column 10 of the "
       "embedded document)"},
      {"MissingPodYaml", header + "  other.yaml: x\n", "6:3", "data.\"pod.yaml\": ",
       "missing required field"},
      {"PodYamlAsMapping", header + "  pod.yaml:\n    apiVersion: nucleus.io/v1\n", "7:5",
       "data.\"pod.yaml\": ", "expected a string, got a mapping"},
      {"EmptyPodYaml", header + "  pod.yaml: \"\"\n", "6:13", "data.\"pod.yaml\": ", "must not be empty"},
      {"PodYamlOnlyComments", header + "  pod.yaml: |\n    # nothing\n", "7:5", "data.\"pod.yaml\": ",
       "no documents; expected one PodSpec"},
      {"OtherDataValueNotAString", header + "  enabled: true\n  pod.yaml: x\n", "6:12",
       "data.enabled: ", "expected a string, got a boolean"},
      {"UnknownConfigMapField", header + "  pod.yaml: x\nbinaryData: {}\n", "7:1", "binaryData: ",
       "unknown field; expected one of: apiVersion, kind, metadata, data"},
  };
}

class SpecParseError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SpecParseError, ReportsPositionAndPath) {
  const ErrorCase& row = GetParam();
  testing::expect_error_at(row.text, row.location, row.start, row.part);
}

std::string case_name(const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Schema, SpecParseError, ::testing::ValuesIn(schema_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Document, SpecParseError, ::testing::ValuesIn(document_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(DuplicateKey, SpecParseError, ::testing::ValuesIn(duplicate_key_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(SandboxAndClaim, SpecParseError,
                         ::testing::ValuesIn(sandbox_and_claim_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(ConfigMap, SpecParseError, ::testing::ValuesIn(config_map_cases()),
                         case_name);

}  // namespace
}  // namespace nucleus::spec
