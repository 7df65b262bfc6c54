// nucleus-tool-proxy: serves one pod's tool API on a Unix socket.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "proxy/proxy_setup.h"

int main(int argc, char** argv) {
  nucleus::proxy::ProxyFlags flags;
  CLI::App app{"nucleus-tool-proxy: the only way an agent in a pod causes a side effect"};
  nucleus::proxy::add_proxy_flags(app, flags);
  int ready_fd = -1;
  app.add_option("--ready-fd", ready_fd,
                 "Write one byte 'R' to this descriptor, then close it, once the socket accepts connections")
      ->check(CLI::Range(3, 1 << 20));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // SIGTERM and SIGINT are taken by a waiting thread so that shutdown runs
  // in normal code, never in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto proxy = nucleus::proxy::start_proxy(flags);
  if (!proxy.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", proxy.error());
    return 1;
  }
  if (ready_fd >= 0) {
    // The sandbox driver waits on the other end; a closed reader is fine.
    const char ready = 'R';
    signal(SIGPIPE, SIG_IGN);
    [[maybe_unused]] const auto written = write(ready_fd, &ready, 1);
    close(ready_fd);
  }
  std::thread signal_waiter([&stop_signals, server = &(*proxy)->server()] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    spdlog::info("event=stopping signal={}", signal_number);
    server->stop();
  });
  (*proxy)->server().run();
  // The waiter may still be blocked if run() ended for another reason.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return 0;
}
