// Moving a workspace in and out as a tar stream with GNU tar, run as the
// sandbox's agent user. Extraction as that unprivileged user cannot create
// device files or write where the agent could not. GNU tar 1.34 (Debian 12)
// also skips members whose name contains "..", and a member below a
// symlink fails with "Not a directory" instead of writing through it (both
// checked by hand). A failed member makes tar exit non-zero after it
// extracted the others.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nucleus::node {

// A running tar process. `pipe` is the write end of its standard input
// (extraction) or the read end of its standard output (archiving).
class TarProcess {
 public:
  TarProcess() = default;
  TarProcess(TarProcess&& other) noexcept;
  TarProcess& operator=(TarProcess&&) = delete;
  // Kills and reaps a process that was not finished.
  ~TarProcess();

  // Starts "tar -x -v --no-same-owner --no-overwrite-dir -C DIR -f -" as
  // uid:gid, reading the archive from `pipe`.
  static Result<TarProcess> extract(const std::string& dir, uid_t uid, gid_t gid);
  // Starts "tar -c -C DIR -f - ." as uid:gid, writing the archive to `pipe`.
  static Result<TarProcess> archive(const std::string& dir, uid_t uid, gid_t gid);

  int pipe() const { return pipe_.get(); }
  // Writes all of `data` to the pipe. Fails when tar stopped reading.
  Result<bool> write(const char* data, std::size_t size);
  // Closes the pipe and waits. Returns the number of entries tar listed
  // (extraction) or 0 (archiving); fails with tar's error output when it
  // exits with a non-zero status.
  Result<std::size_t> finish();
  // Kills and reaps the process.
  void abort();

 private:
  static Result<TarProcess> start(const std::vector<std::string>& argv, const std::string& dir, bool feed_stdin,
                                  uid_t uid, gid_t gid);

  pid_t pid_ = -1;
  UniqueFd pipe_;
  UniqueFd output_;  // memfd with tar's standard output (extraction only)
  UniqueFd errors_;  // memfd with tar's standard error
};

}  // namespace nucleus::node
