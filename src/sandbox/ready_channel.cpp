#include "sandbox/ready_channel.h"

#include <unistd.h>

namespace nucleus::sandbox {

void report_launch_failure(int ready_fd, std::string_view reason) {
  if (ready_fd < 0) return;
  std::string message(1, kErrorByte);
  for (char c : reason) message += (c == '\n') ? ' ' : c;
  // One write: a pipe write of up to PIPE_BUF bytes is never interleaved.
  if (message.size() > 4000) message.resize(4000);
  message += '\n';
  [[maybe_unused]] const auto ignored = ::write(ready_fd, message.data(), message.size());
}

}  // namespace nucleus::sandbox
