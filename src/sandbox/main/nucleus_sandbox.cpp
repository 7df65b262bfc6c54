// nucleus-sandbox: the per-sandbox supervisor of the namespace driver.
//
//   nucleus-sandbox supervise DIR
//
// DIR contains launch.json, written by the driver. Descriptor 3 is the ready
// pipe; stdout and stderr go to the sandbox's log. The command returns at
// once: the supervisor detaches into its own session and keeps running
// until the sandbox ends.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "sandbox/ready_channel.h"
#include "sandbox/supervisor.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "supervise") != 0 || argv[2][0] != '/') {
    std::fprintf(stderr, "usage: nucleus-sandbox supervise /absolute/sandbox/dir\n");
    return 2;
  }
  const std::string dir = argv[2];
  const pid_t child = fork();
  if (child < 0) {
    std::perror("nucleus-sandbox: fork");
    return 1;
  }
  if (child > 0) return 0;  // the driver reaps this parent at once
  setsid();
  return nucleus::sandbox::run_supervisor(dir, nucleus::sandbox::kReadyFd);
}
