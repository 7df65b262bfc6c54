// The ready pipe from a sandbox back to its driver. Whoever reaches the
// outcome first writes it: the tool proxy writes "R" once it accepts
// connections; the supervisor or the sandbox's init writes "E" and a
// one-line reason when the launch fails. The driver reads one message.
#pragma once

#include <string>
#include <string_view>

namespace nucleus::sandbox {

inline constexpr char kReadyByte = 'R';
inline constexpr char kErrorByte = 'E';
// The descriptor number the ready pipe has in the supervisor and the proxy.
inline constexpr int kReadyFd = 3;

// Best effort: the reader may be gone (node restarted), which is fine.
void report_launch_failure(int ready_fd, std::string_view reason);

}  // namespace nucleus::sandbox
