// Attempts to leave a namespace sandbox from a command the agent runs:
// host files, kernel interfaces, writes outside the workspace, mounts and
// namespaces, the tool proxy's process, resource limits, setuid programs
// and the network. The suite shares one sandbox, and every table row is a
// command that must fail. Commands run from script files, past the tool
// proxy's command policy (staged_script.h).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "sandbox_fixture.h"
#include "sandbox_leftovers.h"
#include "shared_sandbox.h"
#include "staged_script.h"

namespace nucleus::sandbox::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A command the agent must not get to succeed. `needs` names a program
// that must exist inside for the row to mean anything; the row is skipped
// without it. `expect_in_output`, when set, must appear in stdout or stderr.
struct EscapeRow {
  std::string name;
  std::string command;
  std::string expect_in_output;
  std::string needs;
};

// Exit status of a row whose tool is missing inside the sandbox.
constexpr int kToolMissing = 211;

// A python3 command that makes one libc call and exits with the errno
// message when it returns non-zero.
std::string libc_call(const std::string& call) {
  return "python3 -c 'import ctypes, os, sys\n"
         "libc = ctypes.CDLL(None, use_errno=True)\n"
         "if " + call + " != 0: sys.exit(os.strerror(ctypes.get_errno()))'";
}

std::string output_of(const json& reply) {
  const json& result = reply["result"];
  return result.value("stdout", "") + result.value("stderr", "");
}

bool command_failed(const json& reply) {
  const json& exit_code = reply["result"]["exit_code"];
  return !exit_code.is_number_integer() || exit_code.get<int>() != 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class EscapeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    SandboxConfig config;
    config.id = "escape";
    config.policy_text = permissive_policy();
    config.limits.workspace_bytes = 32ULL << 20;
    auto launched = SharedSandbox::launch(config);
    if (!launched) {
      launch_error_ = launched.error();
      return;
    }
    sandbox_ = std::move(*launched);
  }

  static void TearDownTestSuite() {
    if (sandbox_ == nullptr) return;
    const std::string parent = sandbox_->cgroup_parent();
    const std::string dir = sandbox_->paths().dir;
    auto destroyed = sandbox_->destroy();
    EXPECT_TRUE(destroyed) << destroyed.error();
    sandbox_.reset();
    for (const auto& leftover : sandbox_leftovers(parent, "escape", dir)) ADD_FAILURE() << "left behind: " << leftover;
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the namespace driver needs root (loop devices, cgroups, id maps)";
    ASSERT_NE(sandbox_, nullptr) << "the shared sandbox did not start: " << launch_error_;
  }

  // Runs `script` as the agent from a file in the workspace (staged_script.h).
  json sh(const std::string& script, int timeout_seconds = 20) {
    const std::string command = stage_script(sandbox_->paths().workspace, "/workspace", script);
    if (command.empty()) return json{{"transport_error", "cannot write the probe script"}};
    return sandbox_->sh(command, timeout_seconds);
  }

  // Runs every row and checks that each one fails.
  void expect_all_fail(const std::vector<EscapeRow>& rows) {
    for (const EscapeRow& row : rows) {
      SCOPED_TRACE(row.name + ": " + row.command);
      std::string command = row.command;
      if (!row.needs.empty()) {
        command = fmt::format("command -v {} >/dev/null 2>&1 || exit {}; {}", row.needs, kToolMissing, row.command);
      }
      const json reply = sh(command);
      ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
      if (reply["result"]["exit_code"] == kToolMissing) {
        std::cout << "[ row skipped ] " << row.name << ": needs " << row.needs << "\n";
        continue;
      }
      EXPECT_TRUE(command_failed(reply)) << "the command succeeded inside the sandbox: " << reply.dump();
      if (!row.expect_in_output.empty()) {
        EXPECT_NE(output_of(reply).find(row.expect_in_output), std::string::npos)
            << "expected \"" << row.expect_in_output << "\" in the output: " << reply.dump();
      }
    }
  }

  // Expects `command` to succeed and returns its stdout.
  std::string expect_ok(const std::string& command) {
    const json reply = sh(command);
    if (reply.value("status", "") != "ok") {
      ADD_FAILURE() << command << ": " << reply.dump();
      return "";
    }
    EXPECT_EQ(reply["result"]["exit_code"], 0) << command << ": " << reply.dump();
    return reply["result"].value("stdout", "");
  }

  static std::unique_ptr<SharedSandbox> sandbox_;
  static std::string launch_error_;
};

std::unique_ptr<SharedSandbox> EscapeTest::sandbox_;
std::string EscapeTest::launch_error_;

TEST_F(EscapeTest, HostFilesOutOfView) {
  const Paths& paths = sandbox_->paths();
  // The mount table names the host paths the sandbox was built from; they
  // must still not resolve inside.
  const std::string mountinfo = expect_ok("cat /proc/self/mountinfo");
  EXPECT_NE(mountinfo.find(paths.run_dir), std::string::npos) << mountinfo;
  // The cgroup namespace shows every hierarchy at its root.
  const std::string cgroups = expect_ok("cat /proc/self/cgroup");
  for (const auto& line : lines_of(cgroups)) EXPECT_TRUE(line.ends_with(":/")) << cgroups;

  expect_all_fail({
      {"root's home", "ls -a /root", "No such file", ""},
      {"home directories", "ls -a /home", "No such file", ""},
      {"node state", "ls -a /var/lib/nucleus", "No such file", ""},
      {"docker socket", "ls -l /var/run/docker.sock", "No such file", ""},
      {"containerd", "ls -a /run/containerd", "No such file", ""},
      {"shadow file", "cat /etc/shadow", "No such file", ""},
      {"host /var", "ls -a /var", "No such file", ""},
      {"sandbox directory", "ls -a " + paths.dir, "No such file", ""},
      {"launch file", "cat " + paths.dir + "/launch.json", "No such file", ""},
      {"host workspace path", "ls -a " + paths.workspace, "No such file", ""},
      {"host run directory", "ls -a " + paths.run_dir, "No such file", ""},
      {"state directory", "ls -a " + sandbox_->state_dir(), "No such file", ""},
      {"init's root", "ls -a /proc/1/root/", "Permission denied", ""},
      {"init's root, a file", "cat /proc/1/root/etc/hostname", "Permission denied", ""},
      {"proxy's root", "ls -a /proc/2/root/", "Permission denied", ""},
      {"proxy's root, run dir", "ls -a /proc/2/root/run/nucleus/", "Permission denied", ""},
      {"init's cwd", "ls -a /proc/1/cwd/", "Permission denied", ""},
      {"proxy's cwd", "ls -a /proc/2/cwd/", "Permission denied", ""},
      {"proxy's descriptors", "ls -l /proc/2/fd/", "Permission denied", ""},
  });
}

TEST_F(EscapeTest, HostNameNotVisible) {
  std::string host_name = read_text("/etc/hostname");
  host_name = host_name.substr(0, host_name.find('\n'));
  char uts_name[256] = {};
  ASSERT_EQ(::gethostname(uts_name, sizeof(uts_name) - 1), 0);

  const std::string out = expect_ok("cat /etc/hostname; hostname; uname -n");
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  for (const auto& line : lines) {
    EXPECT_EQ(line, "nucleus-escape") << out;
    EXPECT_NE(line, host_name) << out;
    EXPECT_NE(line, std::string(uts_name)) << out;
  }
  expect_all_fail({{"set the host name", "hostname intruder", "", "hostname"}});
  EXPECT_EQ(lines_of(expect_ok("hostname")), std::vector<std::string>{"nucleus-escape"});
}

TEST_F(EscapeTest, KernelInterfacesClosed) {
  // The /proc/sys rows write back the value they read, so a broken sandbox
  // changes nothing on the host.
  expect_all_fail({
      {"/sys", "ls -a /sys", "No such file", ""},
      {"cgroup file system", "ls -a /sys/fs/cgroup", "No such file", ""},
      {"kernel.sysrq", "v=$(cat /proc/sys/kernel/sysrq) && echo \"$v\" > /proc/sys/kernel/sysrq", "", ""},
      {"kernel.hostname", "v=$(cat /proc/sys/kernel/hostname) && echo \"$v\" > /proc/sys/kernel/hostname", "", ""},
      {"vm.overcommit_memory",
       "v=$(cat /proc/sys/vm/overcommit_memory) && echo \"$v\" > /proc/sys/vm/overcommit_memory", "", ""},
      {"kernel.core_pattern",
       "v=$(cat /proc/sys/kernel/core_pattern) && printf '%s\\n' \"$v\" > /proc/sys/kernel/core_pattern", "", ""},
      {"kernel.modprobe", "v=$(cat /proc/sys/kernel/modprobe) && echo \"$v\" > /proc/sys/kernel/modprobe", "", ""},
      {"sysrq trigger", "echo h > /proc/sysrq-trigger", "", ""},
      {"kcore", "dd if=/proc/kcore of=/dev/null bs=1 count=1", "", ""},
      {"/dev/mem", "dd if=/dev/mem of=/dev/null bs=1 count=1", "", ""},
      {"/dev/kmem", "dd if=/dev/kmem of=/dev/null bs=1 count=1", "", ""},
      {"/dev/kmsg", "dd if=/dev/kmsg of=/dev/null bs=1 count=1", "", ""},
      {"kernel log", "dmesg", "", "dmesg"},
      {"block devices", "ls /dev/sda /dev/vda /dev/loop0 /dev/loop-control", "No such file", ""},
      {"create a device node", "mknod /tmp/null c 1 3", "", ""},
  });
  const std::string dev = expect_ok("ls /dev");
  EXPECT_EQ(dev.find("mem"), std::string::npos) << dev;
  EXPECT_EQ(dev.find("kmsg"), std::string::npos) << dev;
}

TEST_F(EscapeTest, WritesOutsideWorkspaceFail) {
  expect_all_fail({
      {"root directory", "touch /escape", "", ""},
      {"/etc", "touch /etc/escape", "", ""},
      {"/etc/passwd", "echo 'x:x:0:0::/:/bin/sh' >> /etc/passwd", "", ""},
      {"/usr", "touch /usr/escape", "", ""},
      {"/usr/bin", "cp /bin/sh /usr/bin/escape", "", ""},
      {"/bin", "touch /bin/escape", "", ""},
      {"/dev", "touch /dev/escape", "", ""},
      {"/run", "touch /run/escape", "", ""},
      {"/run/nucleus", "touch /run/nucleus/escape", "", ""},
      {"/proc", "touch /proc/escape", "", ""},
      {"new top-level directory", "mkdir /escape", "", ""},
  });
  expect_ok("echo inside > /workspace/written && echo inside > /tmp/written && cat /workspace/written /tmp/written");
  EXPECT_EQ(read_text(sandbox_->paths().workspace + "/written"), "inside\n");
}

TEST_F(EscapeTest, RunDirUnreadable) {
  expect_all_fail({
      {"list", "ls -a /run/nucleus", "Permission denied", ""},
      {"audit key", "cat /run/nucleus/audit.key", "Permission denied", ""},
      {"approver key", "cat /run/nucleus/approver.key", "Permission denied", ""},
      {"audit log", "cat /run/nucleus/audit.log", "Permission denied", ""},
      {"policy", "cat /run/nucleus/policy.yaml", "Permission denied", ""},
      {"private directory", "ls -a /run/nucleus/private", "Permission denied", ""},
      {"proxy socket",
       "python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect(\"/run/nucleus/proxy.sock\")'",
       "PermissionError", "python3"},
  });
}

TEST_F(EscapeTest, MountsAndNamespacesDenied) {
  expect_all_fail({
      {"mount tmpfs", "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m", "", ""},
      {"bind mount", "mkdir -p /tmp/m && mount --bind /workspace /tmp/m", "", ""},
      {"remount root writable", "mount -o remount,rw /", "", ""},
      {"mount(2) tmpfs", "mkdir -p /tmp/m && " + libc_call("libc.mount(b\"none\", b\"/tmp/m\", b\"tmpfs\", 0, None)"),
       "Operation not permitted", "python3"},
      {"mount(2) bind", "mkdir -p /tmp/m && " + libc_call("libc.mount(b\"/workspace\", b\"/tmp/m\", None, 4096, None)"),
       "Operation not permitted", "python3"},
      {"mount(2) remount root", libc_call("libc.mount(None, b\"/\", None, 32, None)"), "Operation not permitted",
       "python3"},
      {"umount2(2) /proc", libc_call("libc.umount2(b\"/proc\", 2)"), "Operation not permitted", "python3"},
      {"chroot(2)", libc_call("libc.chroot(b\"/tmp\")"), "Operation not permitted", "python3"},
      {"unshare(2) user", libc_call("libc.unshare(0x10000000)"), "Operation not permitted", "python3"},
      {"unshare(2) mount", libc_call("libc.unshare(0x00020000)"), "Operation not permitted", "python3"},
      {"fsopen(2) tmpfs", "[ \"$(uname -m)\" = x86_64 ] || exit 211; " + libc_call("libc.syscall(430, b\"tmpfs\", 0)"),
       "Operation not permitted", "python3"},
      {"user namespace", "unshare -U true", "Operation not permitted", "unshare"},
      {"user namespace mapped to root", "unshare -Ur true", "Operation not permitted", "unshare"},
      {"mount namespace", "unshare -m true", "Operation not permitted", "unshare"},
      {"network namespace", "unshare -n true", "Operation not permitted", "unshare"},
      {"pid namespace", "unshare -p -f true", "Operation not permitted", "unshare"},
      {"enter init's namespaces", "nsenter -t 1 -m -u -n true", "", "nsenter"},
      {"enter proxy's namespaces", "nsenter -t 2 -a true", "", "nsenter"},
      {"chroot", "/usr/sbin/chroot /workspace /bin/true", "Operation not permitted", "/usr/sbin/chroot"},
      {"pivot_root", "mkdir -p /tmp/old && /usr/sbin/pivot_root /tmp /tmp/old", "", "/usr/sbin/pivot_root"},
  });
}

TEST_F(EscapeTest, ProxyProcessOutOfReach) {
  expect_all_fail({
      {"proxy environment", "cat /proc/2/environ", "Permission denied", ""},
      {"init environment", "cat /proc/1/environ", "Permission denied", ""},
      {"proxy memory", "dd if=/proc/2/mem of=/dev/null bs=1 count=1 skip=4096", "", ""},
      {"proxy memory map", "cat /proc/2/maps | grep .", "", ""},
      {"strace the proxy", "timeout 5 strace -p 2", "Operation not permitted", "strace"},
      {"gdb on the proxy",
       "out=$(timeout 10 gdb -nx -batch -p 2 -ex 'info registers rip' 2>&1); echo \"$out\"; "
       "case \"$out\" in *rip*0x*) exit 0 ;; esac; exit 1",
       "Operation not permitted", "gdb"},
      {"kill the init", "kill -9 1", "", ""},
      {"kill the proxy", "kill -9 2", "", ""},
      {"stop the proxy", "kill -STOP 2", "", ""},
      {"renice the proxy", "renice -n 19 -p 2", "", "renice"},
  });
  // The agent may signal its own processes; -1 reaches none of the others.
  sh("kill -9 -1");
  // The proxy (pid 2, its name cut to 15 characters) still runs commands.
  EXPECT_EQ(expect_ok("ps -o comm= -p 2"), "nucleus-tool-pr\n");
  auto status = sandbox_->driver().status(sandbox_->id());
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(status->phase, Phase::running) << status->reason;
}

TEST_F(EscapeTest, LimitsCannotBeRaised) {
  expect_all_fail({
      {"open files hard limit", "h=$(ulimit -Hn) && ulimit -Hn $((h + 1))", "", ""},
      {"open files to unlimited", "ulimit -Hn unlimited", "", ""},
      {"processes after lowering", "ulimit -p 100 && ulimit -p 200", "Operation not permitted", ""},
      {"prlimit raise on self",
       "h=$(prlimit --pid $$ --nofile --raw --noheadings -o HARD) && prlimit --pid $$ --nofile=$h:$((h + 1))", "",
       "prlimit"},
      {"prlimit on the proxy", "prlimit --pid 2 --nofile=4:4", "", "prlimit"},
      {"prlimit on the init", "prlimit --pid 1 --nproc=1:1", "", "prlimit"},
  });
}

TEST_F(EscapeTest, SetuidGivesNothing) {
  expect_all_fail({
      {"su to root", "su -c id root </dev/null", "", "su"},
      {"sudo", "sudo -n id", "", "sudo"},
      {"passwd", "passwd -d agent </dev/null", "", "passwd"},
      {"newgrp", "newgrp root </dev/null", "", "newgrp"},
  });
  // The agent's own setuid copy is owned by the agent: nothing to gain,
  // but the bit must at least not break the program.
  EXPECT_EQ(expect_ok("cp /usr/bin/id /workspace/id-copy && chmod u+s,g+s /workspace/id-copy && "
                      "/workspace/id-copy -u && /workspace/id-copy -g"),
            "1000\n1000\n");

  // A setuid and setgid program owned by the sandbox's root (the proxy's
  // user), planted from the host: nosuid and no_new_privs must keep the
  // agent's ids.
  const Paths& paths = sandbox_->paths();
  struct stat run_dir {};
  ASSERT_EQ(::stat(paths.run_dir.c_str(), &run_dir), 0) << std::strerror(errno);
  const std::string planted = paths.workspace + "/id-suid";
  fs::copy_file("/usr/bin/id", planted, fs::copy_options::overwrite_existing);
  ASSERT_EQ(::chown(planted.c_str(), run_dir.st_uid, run_dir.st_gid), 0) << std::strerror(errno);
  ASSERT_EQ(::chmod(planted.c_str(), 06755), 0) << std::strerror(errno);
  EXPECT_EQ(expect_ok("ls -ln /workspace/id-suid | cut -c1-10"), "-rwsr-sr-x\n");
  EXPECT_EQ(expect_ok("/workspace/id-suid -u; /workspace/id-suid -g; /workspace/id-suid -G"), "1000\n1000\n1000\n");
}

// Sockets in the host's network namespace: TCP and UDP on 127.0.0.1 and a
// listening abstract unix socket.
struct HostLoopbackServers {
  UniqueFd tcp;
  UniqueFd udp;
  UniqueFd abstract_unix;
  std::uint16_t tcp_port = 0;
  std::uint16_t udp_port = 0;
  std::string abstract_name;
};

std::uint16_t bind_loopback(int fd) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return 0;
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

std::optional<HostLoopbackServers> start_host_servers() {
  HostLoopbackServers servers;
  servers.tcp = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  servers.udp = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  servers.abstract_unix = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!servers.tcp || !servers.udp || !servers.abstract_unix) return std::nullopt;
  servers.tcp_port = bind_loopback(servers.tcp.get());
  servers.udp_port = bind_loopback(servers.udp.get());
  if (servers.tcp_port == 0 || servers.udp_port == 0 || ::listen(servers.tcp.get(), 8) != 0) return std::nullopt;

  servers.abstract_name = fmt::format("nucleus-escape-test-{}", ::getpid());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, servers.abstract_name.data(), servers.abstract_name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + servers.abstract_name.size());
  if (::bind(servers.abstract_unix.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) return std::nullopt;
  if (::listen(servers.abstract_unix.get(), 8) != 0) return std::nullopt;
  return servers;
}

bool host_can_connect(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
}

// Accepts and closes whatever is queued; returns how many there were.
int drain_connections(int listener) {
  int count = 0;
  for (int fd; (fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) >= 0; ++count) ::close(fd);
  return count;
}

TEST_F(EscapeTest, NetworkIsolated) {
  auto servers = start_host_servers();
  ASSERT_TRUE(servers.has_value()) << "cannot start the host loopback servers: " << std::strerror(errno);
  // The host itself reaches its server, so a refusal inside means isolation.
  ASSERT_TRUE(host_can_connect(servers->tcp_port));
  ASSERT_EQ(drain_connections(servers->tcp.get()), 1);

  const std::string tcp = std::to_string(servers->tcp_port);
  const std::string udp = std::to_string(servers->udp_port);
  const std::string udp_probe =
      "python3 -c 'import socket, sys\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)\n"
      "try:\n"
      "    s.sendto(b\"\\0\\1\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\", (\"127.0.0.1\", int(sys.argv[1]))); s.recv(512)\n"
      "except OSError as e: sys.exit(str(e))\n"
      "print(\"reply received\")' ";
  expect_all_fail({
      {"TCP to the host loopback (bash)", "timeout 5 bash -c 'echo hello > /dev/tcp/127.0.0.1/" + tcp + "'",
       "Connection refused", "bash"},
      {"TCP to the host loopback (python)",
       "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", " + tcp + "), timeout=3)'",
       "ConnectionRefusedError", "python3"},
      {"UDP to the host loopback", udp_probe + udp, "", "python3"},
      {"UDP to port 53", udp_probe + "53", "", "python3"},
      {"abstract unix socket of the host",
       "python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect(\"\\0" + servers->abstract_name +
           "\")'",
       "ConnectionRefusedError", "python3"},
      {"name resolution", "getent hosts example.com", "", ""},
      {"network interfaces in /sys", "ls /sys/class/net", "No such file", ""},
      {"raw socket", "python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)'",
       "PermissionError", "python3"},
      {"packet socket", "python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)'",
       "PermissionError", "python3"},
  });
  EXPECT_EQ(drain_connections(servers->tcp.get()), 0) << "a command inside reached the host's TCP server";
  char datagram[512];
  EXPECT_LT(::recv(servers->udp.get(), datagram, sizeof(datagram), MSG_DONTWAIT), 0)
      << "a command inside reached the host's UDP socket";
  EXPECT_EQ(drain_connections(servers->abstract_unix.get()), 0)
      << "a command inside reached the host's abstract unix socket";

  // Interfaces are the lines of /proc/net/dev with a colon after the name.
  std::vector<std::string> interfaces;
  for (const auto& line : lines_of(expect_ok("cat /proc/net/dev"))) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto start = line.find_first_not_of(' ');
    interfaces.push_back(line.substr(start, colon - start));
  }
  EXPECT_EQ(interfaces, std::vector<std::string>{"lo"});
}

TEST_F(EscapeTest, CommandHasNoPrivileges) {
  const std::string status = expect_ok("cat /proc/self/status");
  std::map<std::string, std::string> fields;
  for (const auto& line : lines_of(status)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto value = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
  }
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_EQ(fields[set], "0000000000000000") << set << " in\n" << status;
  }
  EXPECT_EQ(fields["NoNewPrivs"], "1") << status;
  EXPECT_EQ(fields["Seccomp"], "2") << status;
  EXPECT_EQ(fields["Uid"], "1000\t1000\t1000\t1000") << status;
  EXPECT_EQ(fields["Gid"], "1000\t1000\t1000\t1000") << status;
  EXPECT_EQ(fields["Groups"], "") << status;

  // Nothing of the proxy's is inherited: descriptor 3 is the one ls opens
  // to read the directory.
  const std::string descriptors = expect_ok("ls /proc/self/fd");
  EXPECT_EQ(lines_of(descriptors), (std::vector<std::string>{"0", "1", "2", "3"})) << descriptors;
}

TEST_F(EscapeTest, DetachedProcessesEndWithCommand) {
  // The pause lets setsid(2) happen before the command ends.
  expect_ok("setsid sleep 301 >/dev/null 2>&1 </dev/null & (sleep 302 >/dev/null 2>&1 &); nohup sleep 303 "
            ">/dev/null 2>&1 & sleep 0.5; echo started");
  // The next command lists only the proxy's processes and its own.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string processes;
  do {
    processes = expect_ok("ps -eo user=,args=");
    if (processes.find("sleep 30") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(processes.find("sleep 30"), std::string::npos) << "a detached process outlived its command:\n"
                                                          << processes;
}

// Teardown removes the sandbox's directory; links the agent left in the
// workspace must not lead it to host files.
class EscapeTeardownTest : public SandboxFixture {
 protected:
  void TearDown() override {
    SandboxFixture::TearDown();
    if (driver_) remove_state_dir(state_dir_);
  }
};

TEST_F(EscapeTeardownTest, KeepsSymlinkTargets) {
  const fs::path canary = fmt::format("/tmp/nucleus-canary-{}", ::getpid());
  fs::create_directories(canary / "inner");
  std::ofstream(canary / "keep") << "keep\n";
  std::ofstream(canary / "inner" / "keep") << "keep\n";

  for (const std::uint64_t workspace_bytes : {std::uint64_t{0}, std::uint64_t{32} << 20}) {
    SCOPED_TRACE(workspace_bytes == 0 ? "plain workspace directory" : "workspace image");
    SandboxConfig c = config(workspace_bytes == 0 ? "teardown-plain" : "teardown-image");
    c.limits.workspace_bytes = workspace_bytes;
    const std::string id = launch(c);
    auto paths = driver_->paths(id);
    ASSERT_TRUE(paths) << paths.error();
    const std::string links = fmt::format(
        "ln -s {0} /workspace/dir-link && ln -s {0}/keep /workspace/file-link && mkdir /workspace/sub && "
        "ln -s {0}/inner /workspace/sub/inner-link && ln -s / /workspace/sub/root-link && ls -l /workspace",
        canary.string());
    const json reply = sh(id, stage_script(paths->workspace, "/workspace", links));
    ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
    ASSERT_EQ(reply["result"]["exit_code"], 0) << reply.dump();

    auto destroyed = driver_->destroy(id);
    ASSERT_TRUE(destroyed) << destroyed.error();
    EXPECT_FALSE(fs::exists(paths->dir));
    EXPECT_TRUE(fs::exists(canary / "keep"));
    EXPECT_TRUE(fs::exists(canary / "inner" / "keep"));
    EXPECT_TRUE(fs::exists("/usr/bin/id"));
  }
  fs::remove_all(canary);
}

}  // namespace
}  // namespace nucleus::sandbox::testing
