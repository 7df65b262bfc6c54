#include "staged_script.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>

#include <fmt/format.h>

namespace nucleus::sandbox::testing {

std::string stage_script(const std::string& host_workspace, const std::string& work_dir, const std::string& script) {
  static std::atomic<int> counter{0};
  const std::string dir = host_workspace + "/.probes";
  ::mkdir(dir.c_str(), 0755);
  const std::string name = fmt::format("probe-{}.sh", counter++);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out << script << "\n";
  if (!out.flush()) return "";
  ::chmod((dir + "/" + name).c_str(), 0644);
  return fmt::format("sh {}/.probes/{}", work_dir, name);
}

}  // namespace nucleus::sandbox::testing
