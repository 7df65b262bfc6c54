#include "spec/policy_source.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "policy/glob.h"
#include "policy/profiles.h"
#include "spec/compile.h"
#include "spec/document.h"

namespace nucleus::spec {

Result<std::string> read_file_limited(const std::string& path, std::size_t max_bytes) {
  std::ifstream file_stream;
  std::istream* in = &std::cin;
  if (path != "-") {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
      return make_error(fmt::format("\"{}\" is a directory, not a spec file", path));
    }
    file_stream.open(path, std::ios::binary);
    if (!file_stream) {
      return make_error(fmt::format("cannot read \"{}\": {}", path, std::strerror(errno)));
    }
    in = &file_stream;
  }
  std::string content;
  content.resize(max_bytes + 1);
  in->read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in->gcount()));
  if (in->bad()) return make_error(fmt::format("failed reading \"{}\"", path));
  if (content.size() > max_bytes) {
    return make_error(fmt::format("\"{}\" is larger than the {} byte limit", path, max_bytes));
  }
  return content;
}

Result<policy::Policy> load_policy(const std::string& argument, const std::string& work_dir,
                                   const std::string& profile_label) {
  auto normalized_dir = policy::normalize_path(work_dir, "/");
  if (!work_dir.starts_with('/') || !normalized_dir) {
    return make_error(fmt::format("--work-dir \"{}\" must be an absolute path", work_dir));
  }
  if (policy::is_profile_name(argument)) {
    return policy::Policy::make(profile_label.empty() ? "profile " + argument : profile_label, *normalized_dir,
                                policy::profile_envelope(argument, *normalized_dir));
  }
  std::error_code ignored;
  if (argument != "-" && !std::filesystem::exists(argument, ignored)) {
    return make_error(fmt::format("\"{}\" is neither a profile (see `nucleus profiles`) nor an existing "
                                  "spec file",
                                  argument));
  }
  auto text = read_file_limited(argument, kMaxDocumentBytes);
  if (!text.ok()) return make_error(text.error());
  auto documents = parse_documents(*text, argument == "-" ? "<stdin>" : argument);
  if (!documents.ok()) return make_error(documents.error());
  auto compiled = compile_first_policy(*documents);
  if (!compiled.ok()) {
    return make_error(fmt::format("{}: {}", argument == "-" ? "<stdin>" : argument, compiled.error()));
  }
  return compiled;
}

}  // namespace nucleus::spec
