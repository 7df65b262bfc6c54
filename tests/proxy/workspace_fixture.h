// Test support for the workspace and file tool tests: a real temp directory
// bound to the agent path /workspace, and path checks built from globs.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/glob.h"
#include "proxy/tool.h"
#include "proxy/workspace.h"

namespace nucleus::proxy::workspace_testing {

inline constexpr const char* kWorkDir = "/workspace";

// A directory under ::testing::TempDir(), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "nucleus-ws-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = std::filesystem::path(pattern);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Rejects every path that matches one of `patterns` (relative ones are
// relative to /workspace), with a reason naming the pattern.
inline PathCheck block_globs(std::initializer_list<const char*> patterns) {
  std::vector<policy::Glob> globs;
  for (const char* pattern : patterns) {
    std::string error;
    auto glob = policy::Glob::compile(pattern, kWorkDir, &error);
    if (!glob) throw std::runtime_error("bad test glob: " + error);
    globs.push_back(*glob);
  }
  return [globs](policy::Operation, const std::string& path) -> std::optional<std::string> {
    for (const auto& glob : globs) {
      if (glob.matches(path)) return "blocked by path rule " + glob.text();
    }
    return std::nullopt;
  };
}

inline std::string read_host_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_host_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// A temp directory as the workspace root, agent path /workspace, with
// "**/.env" and "**/secrets/**" blocked.
class WorkspaceFixture : public ::testing::Test {
 protected:
  void SetUp() override { open_workspace(Limits{}); }

  void open_workspace(Limits limits) {
    auto opened = Workspace::open(root_.path().string(), kWorkDir, limits);
    ASSERT_TRUE(opened.ok()) << opened.error();
    workspace_.emplace(std::move(opened).value());
  }

  const Workspace& workspace() const { return *workspace_; }
  std::filesystem::path host(const std::string& relative) const { return root_.path() / relative; }
  void put(const std::string& relative, const std::string& content) const {
    write_host_file(host(relative), content);
  }
  std::string get(const std::string& relative) const { return read_host_file(host(relative)); }
  void link(const std::string& target, const std::string& relative) const {
    std::filesystem::create_directories(host(relative).parent_path());
    std::filesystem::create_symlink(target, host(relative));
  }

  TempDir root_;
  std::optional<Workspace> workspace_;
  PathCheck check_ = block_globs({"**/.env", "**/secrets/**"});
};

inline std::string describe(const ToolResult& result) {
  if (const auto* error = std::get_if<ToolError>(&result)) {
    return std::string(to_string(error->kind)) + ": " + error->message;
  }
  return std::get<nlohmann::json>(result).dump();
}

// The JSON of a successful result; a failed test when it is an error.
inline nlohmann::json expect_ok(const ToolResult& result) {
  EXPECT_FALSE(is_error(result)) << describe(result);
  if (is_error(result)) return nlohmann::json();
  return std::get<nlohmann::json>(result);
}

// The error of a failed result; a failed test when it succeeded.
inline ToolError expect_error(const ToolResult& result) {
  EXPECT_TRUE(is_error(result)) << describe(result);
  if (!is_error(result)) return ToolError{};
  return std::get<ToolError>(result);
}

template <typename T>
ToolResult as_result(const ToolOutcome<T>& outcome) {
  if (const auto* error = std::get_if<ToolError>(&outcome)) return *error;
  return nlohmann::json("ok");
}

}  // namespace nucleus::proxy::workspace_testing
