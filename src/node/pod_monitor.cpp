// Watching pods: deadlines, sandboxes that exit by themselves, and
// recovering the pods a previous node process left behind.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "node/pod_manager.h"

namespace nucleus::node {

namespace fs = std::filesystem;

void PodManager::recover_and_monitor() {
  const std::vector<std::string> adopted = driver_.adopt();
  spdlog::info("event=sandboxes_adopted count={}", adopted.size());
  std::error_code error;
  fs::create_directories(options_.pods_dir, error);
  for (const auto& entry : fs::directory_iterator(options_.pods_dir, error)) {
    // Dot entries are the driver's own (its workspace image templates).
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !name.starts_with('.')) recover_pod(name);
  }
  if (error) spdlog::error("event=pods_scan_failed dir={} error=\"{}\"", options_.pods_dir, error.message());
  monitor_ = std::thread([this] { monitor_loop(); });
}

void PodManager::recover_pod(const std::string& id) {
  auto record = read_record(pod_dir(id));
  if (!record) {
    spdlog::error("event=pod_recover_failed pod={} error=\"{}\"", id, record.error());
    return;
  }
  auto pod = std::make_shared<Pod>();
  pod->record = std::move(record).value();
  std::ifstream spec_file(pod_dir(id) + "/spec.yaml", std::ios::binary);
  std::stringstream spec_text;
  spec_text << spec_file.rdbuf();
  if (auto plan = plan_pod(spec_text.str())) {
    pod->egress = plan->sandbox.egress;
    pod->egress_rules = plan->egress_rules;
  }
  {
    std::lock_guard guard(mutex_);
    pods_[id] = pod;
  }
  if (is_final(pod->record.phase)) return;

  std::lock_guard guard(pod->lifecycle);
  auto status = driver_.status(id);
  if (status && status->phase == sandbox::Phase::running) {
    if (auto registered = register_egress(*pod); !registered) {
      spdlog::error("event=egress_register_failed pod={} error=\"{}\"", id, registered.error());
      stop_sandbox(*pod);
      transition(*pod, PodPhase::failed, "egress could not be restored after a node restart: " + registered.error());
      return;
    }
    transition(*pod, PodPhase::running, "adopted after a node restart");
    return;
  }
  const std::string reason = status ? (status->reason.empty() ? "the sandbox was not running after a node restart"
                                                              : "after a node restart: " + status->reason)
                                    : "after a node restart: " + status.error();
  transition(*pod, PodPhase::failed, reason);
}

void PodManager::monitor_loop() {
  std::unique_lock guard(mutex_);
  while (!stopping_) {
    stop_signal_.wait_for(guard, options_.monitor_interval, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::shared_ptr<Pod>> running;
    for (const auto& [id, pod] : pods_) {
      if (pod->record.phase == PodPhase::running) running.push_back(pod);
    }
    guard.unlock();
    for (const auto& pod : running) check_pod(pod);
    guard.lock();
  }
}

void PodManager::check_pod(const std::shared_ptr<Pod>& pod) {
  std::unique_lock lifecycle(pod->lifecycle, std::try_to_lock);
  if (!lifecycle.owns_lock()) return;  // a start, cancel or delete is under way
  PodRecord record;
  {
    std::lock_guard guard(mutex_);
    record = pod->record;
  }
  if (record.phase != PodPhase::running) return;
  if (record.deadline && std::chrono::system_clock::now() >= *record.deadline) {
    stop_sandbox(*pod);
    transition(*pod, PodPhase::terminated,
               "the deadline " + format_rfc3339(*record.deadline) + " (timeout_seconds) passed");
    return;
  }
  auto status = driver_.status(record.id);
  if (!status) {
    spdlog::error("event=sandbox_status_failed pod={} error=\"{}\"", record.id, status.error());
    return;
  }
  if (status->phase != sandbox::Phase::exited) return;
  unregister_egress(*pod);
  const bool clean = status->exit_code && *status->exit_code == 0;
  transition(*pod, clean ? PodPhase::succeeded : PodPhase::failed,
             status->reason.empty() ? "the sandbox exited" : status->reason);
}

}  // namespace nucleus::node
