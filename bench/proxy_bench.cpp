// Tool proxy round trips over its Unix socket: `read` of a 4 KiB file with
// 1 and 16 concurrent clients. Set NUCLEUS_BENCH_AUDIT_DIR to choose where
// the audit log lives (default: a temp dir on the disk under /var/tmp), so
// the durable-fsync cost and the proxy's own cost can be measured apart
// (for example with /dev/shm, where fdatasync returns at once).
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "proxy/proxy_setup.h"
#include "proxy/transport.h"

namespace {

namespace fs = std::filesystem;
using namespace nucleus::proxy;

class BenchProxy {
 public:
  BenchProxy() {
    const char* audit_base = std::getenv("NUCLEUS_BENCH_AUDIT_DIR");
    root_ = fs::path("/var/tmp") / ("nucleus-bench-" + std::to_string(::getpid()));
    audit_dir_ = fs::path(audit_base != nullptr ? audit_base : root_.string()) /
                 ("audit-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "workspace");
    fs::create_directories(audit_dir_);
    std::ofstream(root_ / "workspace" / "data.bin") << std::string(4096, 'x');
    write_key(root_ / "audit.key", std::string(48, 'a'));
    write_key(root_ / "approver.key", std::string(48, 'b'));
    std::ofstream(root_ / "pod.yaml") << "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: bench\n"
                                         "spec:\n  profile: read-only\n";

    ProxyFlags flags;
    flags.socket_path = (root_ / "proxy.sock").string();
    flags.pod_id = "bench";
    flags.policy_source = (root_ / "pod.yaml").string();
    flags.workspace_root = (root_ / "workspace").string();
    flags.audit_log = (audit_dir_ / "audit.log").string();
    flags.audit_key_file = (root_ / "audit.key").string();
    flags.approver_key_file = (root_ / "approver.key").string();
    flags.private_dir = (root_ / "private").string();
    spdlog::set_level(spdlog::level::warn);
    proxy_ = std::move(start_proxy(flags).value());
    thread_ = std::thread([this] { proxy_->server().run(); });
  }

  ~BenchProxy() {
    proxy_->server().stop();
    thread_.join();
    proxy_.reset();
    fs::remove_all(root_);
    fs::remove_all(audit_dir_);
  }

  std::string socket() const { return (root_ / "proxy.sock").string(); }

 private:
  static void write_key(const fs::path& path, const std::string& bytes) {
    std::ofstream(path) << bytes;
    ::chmod(path.c_str(), 0600);
  }

  fs::path root_;
  fs::path audit_dir_;
  std::unique_ptr<RunningProxy> proxy_;
  std::thread thread_;
};

BenchProxy& bench_proxy() {
  static BenchProxy proxy;
  return proxy;
}

void BM_ReadRoundTrip(benchmark::State& state) {
  Connection connection = std::move(connect_unix(bench_proxy().socket()).value());
  const std::string request = R"({"id":1,"method":"call","params":{"tool":"read","args":{"path":"data.bin"}}})"
                              "\n";
  std::string reply;
  std::vector<double> latencies_us;
  for (auto _ : state) {
    const auto started = std::chrono::steady_clock::now();
    if (!connection.write_all(request, std::chrono::seconds(5)) ||
        connection.read_line(reply, 1 << 20, std::chrono::seconds(30)) != Connection::ReadStatus::line ||
        reply.find("\"status\":\"ok\"") == std::string::npos) {
      state.SkipWithError("read failed");
      break;
    }
    latencies_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count());
  }
  state.SetItemsProcessed(state.iterations());
  // Per-call percentiles of this thread's round trips (Google Benchmark
  // itself reports means per repetition).
  if (!latencies_us.empty()) {
    std::sort(latencies_us.begin(), latencies_us.end());
    // kAvgThreads: with 16 threads the counter is the mean of the threads'
    // percentiles, not their sum.
    state.counters["p50_us"] = benchmark::Counter(latencies_us[latencies_us.size() / 2],
                                                  benchmark::Counter::kAvgThreads);
    state.counters["p95_us"] = benchmark::Counter(latencies_us[latencies_us.size() * 95 / 100],
                                                  benchmark::Counter::kAvgThreads);
  }
}
BENCHMARK(BM_ReadRoundTrip)->Threads(1)->Threads(16)->UseRealTime()->MinTime(3.0);

// Baseline in the same run: open, read and close the same 4 KiB file
// directly, without the proxy, the policy or the audit log.
void BM_BaselineDirectRead(benchmark::State& state) {
  const std::string path = "/var/tmp/nucleus-bench-baseline-" + std::to_string(::getpid());
  std::ofstream(path) << std::string(4096, 'x');
  std::string buffer(4096, '\0');
  for (auto _ : state) {
    std::ifstream in(path, std::ios::binary);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    benchmark::DoNotOptimize(buffer);
  }
  fs::remove(path);
}
BENCHMARK(BM_BaselineDirectRead);

}  // namespace

BENCHMARK_MAIN();
