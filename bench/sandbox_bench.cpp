// Sandbox start latency, idle memory and density for the namespace driver,
// with bubblewrap measured in the same run as the baseline.
//
//   sandbox_bench [--iterations N] [--idle K] [--many M]
//
// 1. Start: N rounds, alternating `bwrap --unshare-all ... true` (spawn to
//    exit) with one sandbox from start() to a ready tool proxy. create()
//    (directories, keys, workspace image) is timed separately. Medians and
//    p95 in milliseconds, and the ratio of the medians.
// 2. Idle memory: K idle sandboxes; the sum of the proportional set size
//    (PSS, /proc/PID/smaps_rollup) of every process of each sandbox
//    (supervisor, init, tool proxy), divided by K.
// 3. Density: M sandboxes at once, each answering a status request.
// Needs root. Prints a Markdown table for docs/benchmarks.md.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>

#include "sandbox/namespace_driver.h"
#include "sandbox/supervisor_records.h"

extern char** environ;

namespace {

using namespace nucleus::sandbox;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

double run_bwrap() {
  const std::vector<std::string> args = {"/usr/bin/bwrap", "--unshare-all", "--ro-bind", "/usr", "/usr",
                                         "--symlink",      "usr/lib",       "/lib",      "--symlink", "usr/lib64",
                                         "/lib64",         "--symlink",     "usr/bin",   "/bin",      "--proc",
                                         "/proc",          "--dev",         "/dev",      "true"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  const double elapsed = ms_since(start);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? elapsed : -1;
}

SandboxConfig bench_config(const std::string& id) {
  SandboxConfig config;
  config.id = id;
  config.policy_text =
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: bench\nspec:\n  profile: read-only\n";
  return config;
}

bool answers_status(NamespaceDriver& driver, const std::string& id) {
  auto fd = driver.connect(id);
  if (!fd) return false;
  const std::string line = R"({"id":1,"method":"status","params":{}})" "\n";
  if (send(fd->get(), line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) return false;
  char buffer[4096];
  pollfd entry{fd->get(), POLLIN, 0};
  if (poll(&entry, 1, 10'000) <= 0) return false;
  const ssize_t n = read(fd->get(), buffer, sizeof(buffer));
  return n > 0 && std::string(buffer, static_cast<std::size_t>(n)).find("\"ok\"") != std::string::npos;
}

long pss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key;
  long value = 0;
  std::string unit;
  while (in >> key) {
    if (key == "Pss:") {
      in >> value;
      return value;
    }
    std::getline(in, unit);
  }
  return 0;
}

// Every process of a sandbox: its supervisor and the processes whose
// ancestry leads to the init (found through /proc/PID/stat parents).
long sandbox_pss_kib(const std::string& dir) {
  auto record = read_supervisor_record(dir + "/supervisor.json");
  if (!record || !record->has_value() || !(*record)->init) return 0;
  long total = pss_kib((*record)->supervisor.pid) + pss_kib((*record)->init->pid);
  std::ifstream children("/proc/" + std::to_string((*record)->init->pid) + "/task/" +
                         std::to_string((*record)->init->pid) + "/children");
  for (pid_t child = 0; children >> child;) total += pss_kib(child);
  return total;
}

int flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = flag(argc, argv, "--iterations", 30);
  const int idle = flag(argc, argv, "--idle", 20);
  const int many = flag(argc, argv, "--many", 0);
  const std::string state = "/tmp/nucleus-sandbox-bench-" + std::to_string(getpid());
  NamespaceDriverOptions options{state, NUCLEUS_SANDBOX_BINARY, NUCLEUS_TOOL_PROXY_BINARY, "nucleus-bench"};
  auto made = NamespaceDriver::make(options);
  if (!made) {
    std::fprintf(stderr, "sandbox_bench: %s\n", made.error().c_str());
    return 1;
  }
  NamespaceDriver& driver = **made;

  std::vector<double> bwrap, create, start, total;
  for (int i = 0; i < iterations; ++i) {
    bwrap.push_back(run_bwrap());
    const std::string id = "start-" + std::to_string(i);
    auto t0 = Clock::now();
    if (!driver.create(bench_config(id))) return 1;
    create.push_back(ms_since(t0));
    auto t1 = Clock::now();
    if (!driver.start(id)) return 1;
    if (auto ready = driver.wait_ready(id, std::chrono::seconds(30)); !ready) {
      std::fprintf(stderr, "%s\n", ready.error().c_str());
      return 1;
    }
    start.push_back(ms_since(t1));
    total.push_back(ms_since(t0));
    (void)driver.destroy(id);
  }
  std::printf("| measure (%d rounds) | median ms | p95 ms |\n|---|---|---|\n", iterations);
  std::printf("| bwrap --unshare-all true | %.1f | %.1f |\n", percentile(bwrap, 0.5), percentile(bwrap, 0.95));
  std::printf("| create (dirs, keys, workspace image) | %.1f | %.1f |\n", percentile(create, 0.5),
              percentile(create, 0.95));
  std::printf("| start to ready tool proxy | %.1f | %.1f |\n", percentile(start, 0.5), percentile(start, 0.95));
  std::printf("| create + start to ready | %.1f | %.1f |\n", percentile(total, 0.5), percentile(total, 0.95));
  std::printf("\nstart / bwrap median ratio: %.2f\n", percentile(start, 0.5) / percentile(bwrap, 0.5));

  std::vector<std::string> ids;
  for (int i = 0; i < idle; ++i) {
    const std::string id = "idle-" + std::to_string(i);
    if (!driver.create(bench_config(id)) || !driver.start(id) || !driver.wait_ready(id, std::chrono::seconds(30))) {
      return 1;
    }
    ids.push_back(id);
  }
  sleep(1);
  long pss = 0;
  for (const auto& id : ids) pss += sandbox_pss_kib(state + "/" + id);
  if (idle > 0) std::printf("idle sandboxes: %d, PSS per sandbox: %.2f MiB\n", idle, static_cast<double>(pss) / idle / 1024.0);
  for (const auto& id : ids) (void)driver.destroy(id);

  if (many > 0) {
    ids.clear();
    const auto t0 = Clock::now();
    for (int i = 0; i < many; ++i) {
      const std::string id = "many-" + std::to_string(i);
      auto created = driver.create(bench_config(id));
      if (!created || !driver.start(id)) {
        std::fprintf(stderr, "sandbox %d failed: %s\n", i, created ? "start" : created.error().c_str());
        break;
      }
      ids.push_back(id);
    }
    int answering = 0;
    for (const auto& id : ids) {
      if (driver.wait_ready(id, std::chrono::seconds(60)) && answers_status(driver, id)) ++answering;
    }
    std::printf("many: %d of %d sandboxes answering at once, launched in %.1f s\n", answering, many,
                ms_since(t0) / 1000.0);
    long many_pss = 0;
    for (const auto& id : ids) many_pss += sandbox_pss_kib(state + "/" + id);
    std::printf("many: PSS per sandbox %.2f MiB\n", static_cast<double>(many_pss) / static_cast<double>(std::max<std::size_t>(ids.size(), 1)) / 1024.0);
    for (const auto& id : ids) (void)driver.destroy(id);
  }
  std::error_code ignored;
  std::filesystem::remove_all(state, ignored);
  return 0;
}
