#include "spec/flattened_yaml.h"

#include <array>
#include <set>

#include "policy/operation.h"

namespace nucleus::spec {
namespace {

constexpr std::array<std::string_view, 5> kTopLevelKeys = {"apiVersion", "kind", "metadata", "data", "spec"};

// Every mapping key the document readers accept, in both spellings.
const std::set<std::string, std::less<>>& known_keys() {
  static const std::set<std::string, std::less<>> keys = [] {
    std::set<std::string, std::less<>> out = {
        "apiVersion", "kind", "metadata", "data", "spec", "name", "namespace", "labels", "annotations",
        "pod.yaml", "profile", "work_dir", "workDir", "timeout_seconds", "timeoutSeconds", "image",
        "capabilities", "obligations", "permissions", "paths", "allowed", "blocked", "commands", "program",
        "args", "budget", "max_cost_usd", "maxCostUsd", "max_input_tokens", "maxInputTokens",
        "max_output_tokens", "maxOutputTokens", "time", "valid_from", "validFrom", "valid_until",
        "validUntil", "network", "dns_allow", "dnsAllow", "resources", "cpu", "memory_mib", "memoryMib",
        "pids", "disk_mib", "diskMib", "templateRef", "template_ref", "ttl"};
    for (const policy::Operation operation : policy::kAllOperations) {
      out.emplace(policy::to_string(operation));
    }
    return out;
  }();
  return keys;
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

// True when `text` at `at` starts with a known key followed by ':' and a
// space or the end.
bool known_key_at(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && is_key_char(text[end])) ++end;
  if (end == at || end >= text.size() || text[end] != ':') return false;
  if (end + 1 < text.size() && text[end + 1] != ' ') return false;
  return known_keys().contains(text.substr(at, end - at));
}

bool line_starts_at(std::string_view text, std::size_t at) {
  if (at >= text.size()) return false;
  if (text[at] == '#') return true;
  if (text[at] == '-' && at + 1 < text.size() && text[at + 1] == ' ') return true;
  return known_key_at(text, at);
}

// The length of the longest top-level key that ends exactly at `colon`
// ("metadata" over "data"), when it is glued to a word before it, as in
// "ConfigMapmetadata:". Zero otherwise.
std::size_t glued_top_level_key(std::string_view text, std::size_t colon) {
  std::size_t longest = 0;
  for (std::string_view key : kTopLevelKeys) {
    if (key.size() <= colon && key.size() > longest && text.substr(colon - key.size(), key.size()) == key) {
      longest = key.size();
    }
  }
  if (longest == 0 || longest == colon) return 0;
  const char before = text[colon - longest - 1];
  return (before == ' ' || before == '\n') ? 0 : longest;
}

}  // namespace

std::optional<std::string> restore_line_breaks(std::string_view body) {
  if (body.find('\n') != std::string_view::npos || body.find('\r') != std::string_view::npos) return std::nullopt;
  std::string out;
  out.reserve(body.size() + body.size() / 16);
  for (std::size_t i = 0; i < body.size();) {
    if (body.substr(i, 3) == "---" && (i + 3 == body.size() || body[i + 3] == ' ' ||
                                       line_starts_at(body, i + 3))) {
      if (!out.empty() && out.back() != '\n') out += '\n';
      out += "---\n";
      i += 3;
      while (i < body.size() && body[i] == ' ') ++i;
      continue;
    }
    if (body[i] == ' ') {
      std::size_t j = i;
      while (j < body.size() && body[j] == ' ') ++j;
      if (j - i >= 2 && line_starts_at(body, j) && !out.empty()) {
        out += '\n';
      }
      out.append(body.substr(i, j - i));
      i = j;
      continue;
    }
    if (body[i] == ':') {
      if (const std::size_t key = glued_top_level_key(body, i); key > 0) {
        out.insert(out.size() - key, 1, '\n');
      }
    }
    out += body[i];
    ++i;
  }
  if (out == body) return std::nullopt;
  out += '\n';
  return out;
}

}  // namespace nucleus::spec
