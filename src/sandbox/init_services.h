// The sandbox init's long-running part, once the sandbox is assembled and
// the init is uid 0 of the sandbox's user namespace: start the tool proxy
// (and the egress bridge when the sandbox has egress), then reap orphans
// and forward stop signals until the proxy ends. The init exits with the
// proxy's exit status, or 128 + the signal that killed it.
#pragma once

#include "sandbox/launch_config.h"

namespace nucleus::sandbox {

// `proxy_binary` is an O_PATH descriptor of the tool proxy executable,
// opened before the host's file system was detached.
[[noreturn]] void run_init_services(const LaunchConfig& config, int proxy_binary, int ready_fd);

}  // namespace nucleus::sandbox
