#include "node/workspace_tar.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <cerrno>
#include <vector>

#include "common/errno_text.h"

namespace nucleus::node {

namespace {

constexpr const char* kTar = "/usr/bin/tar";

std::string read_all(int fd, std::size_t max_bytes) {
  std::string out;
  if (::lseek(fd, 0, SEEK_SET) < 0) return out;
  char buffer[8192];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TarProcess::TarProcess(TarProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pipe_(std::move(other.pipe_)),
      output_(std::move(other.output_)),
      errors_(std::move(other.errors_)) {}

TarProcess::~TarProcess() { abort(); }

Result<TarProcess> TarProcess::extract(const std::string& dir, uid_t uid, gid_t gid) {
  return start({kTar, "-x", "-v", "--no-same-owner", "--no-overwrite-dir", "-f", "-"}, dir, true, uid, gid);
}

Result<TarProcess> TarProcess::archive(const std::string& dir, uid_t uid, gid_t gid) {
  return start({kTar, "-c", "-f", "-", "."}, dir, false, uid, gid);
}

Result<TarProcess> TarProcess::start(const std::vector<std::string>& argv, const std::string& dir, bool feed_stdin,
                                     uid_t uid, gid_t gid) {
  TarProcess process;
  process.output_ = UniqueFd(::memfd_create("tar-stdout", MFD_CLOEXEC));
  process.errors_ = UniqueFd(::memfd_create("tar-stderr", MFD_CLOEXEC));
  if (!process.output_ || !process.errors_) return make_error(syscall_error("memfd_create", "tar"));
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return make_error(syscall_error("pipe2", "tar"));
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  char path_variable[] = "PATH=/usr/bin:/bin";
  char* environment[] = {path_variable, nullptr};
  const int child_stdin = feed_stdin ? read_end.get() : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int child_stdout = feed_stdin ? process.output_.get() : write_end.get();

  const pid_t pid = ::fork();
  if (pid < 0) return make_error(syscall_error("fork", "tar"));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The directory is entered while still root, so tar needs no search
    // permission on the node's state directories above the workspace.
    if (::dup2(child_stdin, 0) < 0 || ::dup2(child_stdout, 1) < 0 || ::dup2(process.errors_.get(), 2) < 0 ||
        ::chdir(dir.c_str()) != 0 || ::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
      ::_exit(126);
    }
    ::execve(kTar, args.data(), environment);
    ::_exit(127);
  }
  if (!feed_stdin) ::close(child_stdin);
  process.pid_ = pid;
  process.pipe_ = feed_stdin ? std::move(write_end) : std::move(read_end);
  return process;
}

Result<bool> TarProcess::write(const char* data, std::size_t size) {
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(pipe_.get(), data + written, size - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(syscall_error("write", "tar standard input"));
    written += static_cast<std::size_t>(n);
  }
  return true;
}

Result<std::size_t> TarProcess::finish() {
  pipe_.reset();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return make_error(syscall_error("waitpid", "tar"));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string message = read_all(errors_.get(), 4096);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    if (message.empty()) message = "tar failed with status " + std::to_string(status);
    return make_error(message);
  }
  const std::string listing = read_all(output_.get(), 64ULL << 20);
  return static_cast<std::size_t>(std::count(listing.begin(), listing.end(), '\n'));
}

void TarProcess::abort() {
  pipe_.reset();
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace nucleus::node
