// Readers for the policy-bearing sections that PodSpec (under spec) and
// NucleusSandbox (under spec and spec.permissions) share. Each reads one
// field's value at `path` and throws SourceError on any invalid input.
#pragma once

#include <string>

#include "spec/document.h"
#include "spec/field_reader.h"

namespace nucleus::spec {

std::string read_profile(const Node& node, const std::string& path);

// An absolute path with no ".." segment, normalized lexically (repeated
// '/', "." segments and a trailing '/' removed). ".." is rejected rather
// than resolved so that a typo never silently moves the work dir.
std::string read_work_dir(const Node& node, const std::string& path);

std::int64_t read_timeout_seconds(const Node& node, const std::string& path);

// Reads capabilities, obligations, paths, commands, budget and time from
// `section`, each when present, into `spec`.
void read_permission_sections(const MappingReader& section, PolicySpec& spec);

NetworkSpec read_network(const Node& node, const std::string& path);
ResourcesSpec read_resources(const Node& node, const std::string& path);

}  // namespace nucleus::spec
