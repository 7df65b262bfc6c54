// libFuzzer target for the pod spec parser. Beyond "no crash and no hang",
// it checks that parsing is deterministic, that every error has the form
// "<source>:<line>:<column>: ..." with a position inside the input, and
// that every accepted document satisfies the schema's guarantees.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "spec/document.h"

namespace {

using nucleus::spec::Document;
using nucleus::spec::DocumentKind;

constexpr std::string_view kSource = "fuzz.yaml";

void check(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant violated: %s\n", invariant);
  std::abort();
}

// Reads the decimal number at `pos` and moves past it; -1 if there is none.
long read_number(std::string_view text, std::size_t& pos) {
  long value = -1;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && value < 100'000'000) {
    value = (value < 0 ? 0 : value * 10) + (text[pos] - '0');
    ++pos;
  }
  return value;
}

void check_error(std::string_view input, const std::string& error) {
  check(error.starts_with(std::string(kSource) + ":"), "error starts with the source name");
  std::size_t pos = kSource.size() + 1;
  const long line = read_number(error, pos);
  check(pos < error.size() && error[pos] == ':', "line is followed by ':'");
  ++pos;
  const long column = read_number(error, pos);
  check(error.compare(pos, 2, ": ") == 0, "column is followed by ': '");
  check(line >= 1 && column >= 1, "line and column are 1-based");

  // yaml-cpp may report the position just past the last line break.
  long lines = 1;
  for (const char c : input) lines += c == '\n' ? 1 : 0;
  check(line <= lines + 1, "line is inside the input");
  check(error.find('\n') == std::string::npos, "error is one line");
}

void check_document(const Document& document) {
  check(document.line >= 1, "document line is 1-based");
  check(!document.name.empty(), "every accepted document has a name");
  if (document.kind == DocumentKind::nucleus_sandbox_claim) {
    check(!document.claim.template_ref.empty(), "a claim names its template");
    if (document.claim.ttl_seconds) {
      check(*document.claim.ttl_seconds >= 1 &&
                *document.claim.ttl_seconds <= nucleus::spec::kMaxClaimTtlSeconds,
            "ttl is in range");
    }
    return;
  }
  const nucleus::spec::PolicySpec& spec = document.spec;
  if (spec.work_dir) {
    check(spec.work_dir->starts_with('/'), "work_dir is absolute");
    check(spec.work_dir->find("/../") == std::string::npos && !spec.work_dir->ends_with("/.."),
          "work_dir has no '..' segment");
  }
  if (spec.timeout_seconds) {
    check(*spec.timeout_seconds >= 1 && *spec.timeout_seconds <= nucleus::spec::kMaxTimeoutSeconds,
          "timeout is in range");
  }
  if (spec.budget.max_cost_usd) check(!spec.budget.max_cost_usd->is_negative(), "cost is not negative");
  if (spec.time.valid_from && spec.time.valid_until) {
    check(*spec.time.valid_until > *spec.time.valid_from, "time window is not empty");
  }
  for (const std::string& path : spec.paths.allowed) {
    check(!path.empty() && path.find('\0') == std::string::npos, "allowed paths are non-empty, no NUL");
  }
  for (const std::string& path : spec.paths.blocked) {
    check(!path.empty() && path.find('\0') == std::string::npos, "blocked paths are non-empty, no NUL");
  }
}

// The fields that determinism is checked on.
std::string fingerprint(const Document& document) {
  std::string out = std::string(nucleus::spec::to_string(document.kind)) + "|" + document.name + "|" +
                    document.namespace_ + "|" + std::to_string(document.line) + "|" +
                    document.spec.profile.value_or("-") + "|" + document.spec.work_dir.value_or("-") +
                    "|" + std::to_string(document.spec.capabilities.size()) + "|" +
                    std::to_string(document.spec.paths.allowed.size()) + "|" +
                    std::to_string(document.spec.commands.allowed.size()) + "|" +
                    document.claim.template_ref;
  for (const auto& rule : document.spec.commands.blocked) out += "|" + rule.text();
  if (document.spec.network) {
    for (const auto& rule : document.spec.network->dns_allow) out += "|" + rule.text();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = nucleus::spec::parse_documents(input, kSource);
  auto second = nucleus::spec::parse_documents(input, kSource);
  check(first.ok() == second.ok(), "parsing is deterministic");

  if (!first.ok()) {
    check(first.error() == second.error(), "errors are deterministic");
    check_error(input, first.error());
    return 0;
  }

  check(!first->empty(), "success returns at least one document");
  check(size <= nucleus::spec::kMaxDocumentBytes, "accepted input is within the size limit");
  check(first->size() == second->size(), "document count is deterministic");
  for (std::size_t i = 0; i < first->size(); ++i) {
    check_document((*first)[i]);
    check(fingerprint((*first)[i]) == fingerprint((*second)[i]), "documents are deterministic");
  }
  return 0;
}
