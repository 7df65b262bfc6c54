// The shared state behind GitTools, used by the commit and push halves.
// Internal to git_tools.cpp and git_push.cpp.
#pragma once

#include <mutex>
#include <string>

#include "proxy/git_command.h"
#include "proxy/git_tools.h"

namespace nucleus::proxy {

struct GitTools::State {
  State(GitConfig config_in, ResolveDir resolve_dir_in, std::string instance_dir_in);
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  // Removes instance_dir with the token file in it.
  ~State();

  GitConfig config;
  ResolveDir resolve_dir;
  std::string instance_dir;  // private_dir/git-XXXXXX
  std::string askpass_path;  // empty without credentials
  git::GitRunner runner;
  // One git operation at a time: commits and pushes share the index, refs
  // and the private directory.
  std::mutex mutex;
};

}  // namespace nucleus::proxy
