#include "sandbox/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace nucleus::sandbox {
namespace {

// The kernel's capability numbers fit in the two 32-bit words of a
// version 3 capability set.
constexpr int kMaxCapability = 63;

Result<int> probe_last_capability() {
  int last = -1;
  while (last < kMaxCapability && ::prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0) ++last;
  if (last < 0) return make_error("prctl(PR_CAPBSET_READ) knows no capability");
  return last;
}

}  // namespace

Result<int> read_last_capability() {
  std::ifstream file("/proc/sys/kernel/cap_last_cap");
  int last = -1;
  if (!(file >> last)) return probe_last_capability();
  if (last < 0 || last > kMaxCapability) {
    return make_error("/proc/sys/kernel/cap_last_cap holds " + std::to_string(last) +
                      ", outside 0.." + std::to_string(kMaxCapability));
  }
  return last;
}

std::uint64_t effective_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return 0;
  return (std::uint64_t{data[1].effective} << 32) | data[0].effective;
}

int clear_ambient_capabilities() {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
  return 0;
}

int drop_bounding_set(int last_capability, std::uint64_t kept) {
  for (int capability = 0; capability <= last_capability; ++capability) {
    if ((kept & capability_bit(capability)) != 0) continue;
    if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) return errno;
  }
  return 0;
}

int limit_capability_sets(std::uint64_t kept) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (unsigned int word = 0; word < 2; ++word) {
    data[word].effective = static_cast<std::uint32_t>(kept >> (32 * word));
    data[word].permitted = data[word].effective;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return errno;
  return 0;
}

}  // namespace nucleus::sandbox
