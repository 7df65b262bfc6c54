#include "cli/agent_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

extern char** environ;

namespace nucleus::cli {

namespace {

std::vector<std::string> agent_environment(const AgentLaunch& launch) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string name = text.substr(0, text.find('='));
    const bool removed = std::find(launch.unset_env.begin(), launch.unset_env.end(), name) != launch.unset_env.end();
    if (!removed && !launch.set_env.contains(name)) env.push_back(text);
  }
  for (const auto& [name, value] : launch.set_env) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> out;
  for (std::string& text : texts) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

std::atomic<pid_t> g_agent_pid{0};

// When the first signal was passed on, in CLOCK_MONOTONIC seconds; 0 when none.
std::atomic<long> g_forwarded_at{0};

void forward_to_agent(int signal_number) {
  const pid_t pid = g_agent_pid.load();
  if (pid > 0) ::kill(pid, signal_number);
  timespec now {};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  long expected = 0;
  g_forwarded_at.compare_exchange_strong(expected, static_cast<long>(now.tv_sec));
}

long monotonic_seconds() {
  timespec now {};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long>(now.tv_sec);
}

// Waits for the agent. An agent that outlives a passed-on SIGTERM or SIGHUP
// by kAgentKillDelaySeconds gets SIGKILL, so nucleus run can clean up.
Result<int> wait_for_agent(pid_t pid) {
  int status = 0;
  while (true) {
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) break;
    if (reaped < 0 && errno != EINTR) {
      return make_error(fmt::format("waiting for the agent failed: {}", std::strerror(errno)));
    }
    const long forwarded = g_forwarded_at.load();
    if (forwarded != 0 && monotonic_seconds() - forwarded >= kAgentKillDelaySeconds) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

// Ignores SIGINT and SIGQUIT and forwards SIGTERM and SIGHUP to the agent
// for as long as it lives.
class AgentSignals {
 public:
  AgentSignals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ignore, &old_int_);
    sigaction(SIGQUIT, &ignore, &old_quit_);
    struct sigaction forward {};
    forward.sa_handler = forward_to_agent;
    sigemptyset(&forward.sa_mask);
    sigaction(SIGTERM, &forward, &old_term_);
    sigaction(SIGHUP, &forward, &old_hup_);
  }
  ~AgentSignals() {
    g_agent_pid = 0;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGQUIT, &old_quit_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGHUP, &old_hup_, nullptr);
  }
  AgentSignals(const AgentSignals&) = delete;
  AgentSignals& operator=(const AgentSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
  struct sigaction old_term_ {};
  struct sigaction old_hup_ {};
};

}  // namespace

Result<int> run_agent_process(const AgentLaunch& launch) {
  if (launch.argv.empty()) return make_error("no agent command was given after --");
  std::vector<std::string> argv = launch.argv;
  // The agent starts in launch.cwd, so a relative program path is made
  // absolute against the directory `nucleus run` was started in.
  if (argv[0].find('/') != std::string::npos && argv[0].front() != '/') {
    std::error_code error;
    argv[0] = std::filesystem::absolute(argv[0], error).string();
  }
  std::vector<std::string> env = agent_environment(launch);
  std::vector<char*> argv_pointers = pointers(argv);
  std::vector<char*> env_pointers = pointers(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, launch.cwd.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  AgentSignals signals;
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, argv_pointers.data(),
                                   env_pointers.data());
  g_forwarded_at = 0;
  g_agent_pid = spawned == 0 ? pid : 0;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return make_error(fmt::format("cannot start the agent command \"{}\": {}", argv[0], std::strerror(spawned)));
  }
  return wait_for_agent(pid);
}

Result<std::string> find_program(const std::string& name) {
  if (name.empty()) return make_error("the agent command is empty");
  const auto executable_file = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    if (executable_file(name)) return name;
    return make_error(fmt::format("agent command {} is not an executable file", name));
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = end > start ? dirs.substr(start, end - start) : std::string(".");
    const std::string candidate = dir + "/" + name;
    if (executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return make_error(fmt::format("agent command {} was not found in PATH ({})", name, dirs));
}

}  // namespace nucleus::cli
