#include <cstdint>
#include <string>

#include "spec/field_path.h"
#include "spec/policy_sections.h"

namespace nucleus::spec {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;

// A Kubernetes-style CPU quantity: "500m" (millicores), or a number of
// cores such as 2, "2" or 1.5 whose fraction is a whole number of
// millicores. The number goes through policy::Decimal, never a double.
std::uint32_t read_cpu_millis(const Node& node, const std::string& path) {
  const std::string expected = "; expected a CPU quantity such as \"500m\", \"2\" or 1.5";
  if (node.kind != Node::Kind::scalar || node.scalar_type == ScalarType::boolean) {
    fail_at(node, path, "expected a CPU quantity, got " + std::string(describe(node)) + expected);
  }
  const std::string& text = node.text;

  std::int64_t millis = 0;
  if (text.ends_with('m')) {
    const std::string digits = text.substr(0, text.size() - 1);
    const bool all_digits =
        !digits.empty() && digits.size() <= 9 && digits.find_first_not_of("0123456789") == std::string::npos;
    if (!all_digits) fail_at(node, path, "invalid CPU quantity " + quote_value(text) + expected);
    millis = std::stoll(digits);
  } else {
    const auto cores = policy::Decimal::parse(text);
    if (!cores || cores->nanos() % kNanosPerMilli != 0) {
      fail_at(node, path, "invalid CPU quantity " + quote_value(text) + expected);
    }
    millis = cores->nanos() / kNanosPerMilli;
  }

  if (millis < 1 || millis > static_cast<std::int64_t>(kMaxCpuMillis)) {
    fail_at(node, path,
            "must be between 1m and " + std::to_string(kMaxCpuMillis) + "m, got " + quote_value(text));
  }
  return static_cast<std::uint32_t>(millis);
}

}  // namespace

ResourcesSpec read_resources(const Node& node, const std::string& path) {
  const MappingReader resources(node, path, {"cpu", "memory_mib", "pids", "disk_mib"});
  ResourcesSpec spec;
  if (const Node* cpu = resources.find("cpu")) {
    spec.cpu_millis = read_cpu_millis(*cpu, resources.path_of("cpu"));
  }
  if (const Node* memory = resources.find("memory_mib")) {
    spec.memory_mib = read_unsigned(*memory, resources.path_of("memory_mib"), kMinMemoryMib, kMaxMemoryMib);
  }
  if (const Node* pids = resources.find("pids")) {
    spec.pids = static_cast<std::uint32_t>(
        read_unsigned(*pids, resources.path_of("pids"), kMinPids, kMaxPids));
  }
  if (const Node* disk = resources.find("disk_mib")) {
    spec.disk_mib = read_unsigned(*disk, resources.path_of("disk_mib"), kMinDiskMib, kMaxDiskMib);
  }
  return spec;
}

}  // namespace nucleus::spec
