// Creating, listing, cancelling and deleting pods.
#include "node/pod_manager.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "proxy/hmac.h"

namespace nucleus::node {

namespace fs = std::filesystem;

Result<std::string> generate_pod_id() {
  unsigned char bytes[6];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return make_error("RAND_bytes failed: no pod id could be generated");
  return "pod-" + proxy::to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

PodManager::PodManager(PodManagerOptions options, sandbox::Driver& driver, egress::EgressProxy& egress)
    : options_(std::move(options)), driver_(driver), egress_(egress) {}

PodManager::~PodManager() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  std::vector<std::shared_ptr<Pod>> pods;
  {
    std::lock_guard guard(mutex_);
    for (const auto& [id, pod] : pods_) pods.push_back(pod);
  }
  for (const auto& pod : pods) {
    if (pod->starter.joinable()) pod->starter.join();
  }
}

std::shared_ptr<PodManager::Pod> PodManager::find(const std::string& id) {
  std::lock_guard guard(mutex_);
  const auto it = pods_.find(id);
  return it == pods_.end() ? nullptr : it->second;
}

std::vector<PodRecord> PodManager::list() {
  std::lock_guard guard(mutex_);
  std::vector<PodRecord> records;
  for (const auto& [id, pod] : pods_) records.push_back(pod->record);
  return records;
}

std::optional<PodRecord> PodManager::get(const std::string& id) {
  std::lock_guard guard(mutex_);
  const auto it = pods_.find(id);
  if (it == pods_.end()) return std::nullopt;
  return it->second->record;
}

std::size_t PodManager::count() {
  std::lock_guard guard(mutex_);
  return pods_.size();
}

void PodManager::note_spent(const std::string& id, const std::string& spent_usd) {
  std::lock_guard guard(mutex_);
  if (const auto it = pods_.find(id); it != pods_.end()) it->second->record.spent_usd = spent_usd;
}

void PodManager::transition(Pod& pod, PodPhase phase, const std::string& reason) {
  PodRecord snapshot;
  {
    std::lock_guard guard(mutex_);
    pod.record.phase = phase;
    pod.record.reason = reason;
    snapshot = pod.record;
  }
  spdlog::info("event=pod_phase pod={} phase={} reason=\"{}\"", snapshot.id, to_string(phase), reason);
  if (auto written = write_record(pod_dir(snapshot.id), snapshot); !written) {
    spdlog::error("event=pod_record_failed pod={} error=\"{}\"", snapshot.id, written.error());
  }
}

Result<bool> PodManager::register_egress(Pod& pod) {
  if (!pod.egress || pod.egress_registered) return true;
  auto paths = driver_.paths(pod.record.id);
  if (!paths) return make_error(paths.error());
  auto added = egress_.add_pod(pod.record.id, paths->egress_socket, pod.egress_rules, paths->host_uid,
                               static_cast<gid_t>(paths->host_uid));
  if (!added) return make_error("egress proxy: " + added.error());
  pod.egress_registered = true;
  return true;
}

void PodManager::unregister_egress(Pod& pod) {
  if (!pod.egress_registered) return;
  if (auto removed = egress_.remove_pod(pod.record.id); !removed) {
    spdlog::error("event=egress_remove_failed pod={} error=\"{}\"", pod.record.id, removed.error());
  }
  pod.egress_registered = false;
}

void PodManager::stop_sandbox(Pod& pod) {
  if (auto stopped = driver_.stop(pod.record.id, options_.stop_grace); !stopped) {
    spdlog::error("event=sandbox_stop_failed pod={} error=\"{}\"", pod.record.id, stopped.error());
  }
  unregister_egress(pod);
}

std::variant<PodRecord, ApiError> PodManager::create(std::string_view body) {
  auto plan = plan_pod(body);
  if (!plan) return ApiError{400, "invalid_spec", plan.error()};
  auto id = generate_pod_id();
  if (!id) return ApiError{500, "internal", id.error()};

  auto pod = std::make_shared<Pod>();
  PodRecord& record = pod->record;
  record.id = *id;
  record.name = plan->name;
  record.create_warnings = plan->warnings;
  record.created = std::chrono::system_clock::now();
  if (plan->timeout_seconds) record.deadline = record.created + std::chrono::seconds(*plan->timeout_seconds);
  record.driver = driver_.name();
  record.profile = plan->profile;
  record.reason = "starting the sandbox";
  describe_policy(record, plan->policy);
  pod->egress = plan->sandbox.egress;
  pod->egress_rules = plan->egress_rules;
  // Held until the start thread exists, so a cancel or delete arriving
  // meanwhile waits instead of calling the driver for a half-made sandbox.
  std::unique_lock lifecycle(pod->lifecycle);
  {
    std::lock_guard guard(mutex_);
    if (pods_.size() >= options_.max_pods) {
      return ApiError{429, "pod_limit_reached",
                      "this node already has " + std::to_string(pods_.size()) +
                          " pods, its limit (--max-pods); delete a pod and retry"};
    }
    pods_[record.id] = pod;
  }

  auto failed = [&](const std::string& what) -> ApiError {
    spdlog::error("event=pod_create_failed pod={} error=\"{}\"", record.id, what);
    unregister_egress(*pod);
    // Only a destroyed sandbox has its workspace unmounted; never walk
    // into a mounted one.
    const bool destroyed = driver_.destroy(record.id).ok();
    std::error_code ignored;
    if (destroyed) fs::remove_all(pod_dir(record.id), ignored);
    std::lock_guard guard(mutex_);
    pods_.erase(record.id);
    return ApiError{500, "pod_create_failed", what};
  };

  std::error_code error;
  fs::create_directories(pod_dir(record.id), error);
  if (error) return failed("cannot create " + pod_dir(record.id) + ": " + error.message());
  std::ofstream(pod_dir(record.id) + "/spec.yaml", std::ios::binary) << plan->sandbox.policy_text;
  if (auto written = write_record(pod_dir(record.id), record); !written) return failed(written.error());

  plan->sandbox.id = record.id;
  if (options_.allow_file_remotes) plan->sandbox.proxy_flags.push_back("--allow-file-remotes");
  if (options_.allow_plain_http) plan->sandbox.proxy_flags.push_back("--allow-plain-http");
  if (auto created = driver_.create(plan->sandbox); !created) return failed(created.error());
  // The egress socket must exist before the sandbox's bridge relays to it.
  if (auto registered = register_egress(*pod); !registered) return failed(registered.error());

  spdlog::info("event=pod_phase pod={} name={} phase=pending profile={}", record.id, record.name, record.profile);
  const PodRecord snapshot = record;
  // run_start waits for `lifecycle`, which is released on return.
  pod->starter = std::thread([this, pod] { run_start(pod); });
  return snapshot;
}

void PodManager::run_start(const std::shared_ptr<Pod>& pod) {
  std::lock_guard guard(pod->lifecycle);
  const std::string id = pod->record.id;
  {
    std::lock_guard records(mutex_);
    if (pod->record.phase != PodPhase::pending) return;  // cancelled before it started
  }
  auto started = driver_.start(id);
  if (!started) {
    spdlog::error("event=sandbox_start_failed pod={} error=\"{}\"", id, started.error());
    unregister_egress(*pod);
    transition(*pod, PodPhase::failed, "the sandbox failed to start: " + started.error());
    return;
  }
  auto ready = driver_.wait_ready(id, options_.ready_timeout);
  if (!ready) {
    spdlog::error("event=sandbox_start_failed pod={} error=\"{}\"", id, ready.error());
    stop_sandbox(*pod);
    transition(*pod, PodPhase::failed, "the sandbox did not become ready: " + ready.error());
    return;
  }
  transition(*pod, PodPhase::running, "the tool proxy accepts calls");
}

std::optional<PodRecord> PodManager::cancel(const std::string& id) {
  auto pod = find(id);
  if (!pod) return std::nullopt;
  std::lock_guard guard(pod->lifecycle);
  bool final_phase = false;
  {
    std::lock_guard records(mutex_);
    final_phase = is_final(pod->record.phase);
  }
  if (!final_phase) {
    stop_sandbox(*pod);
    transition(*pod, PodPhase::terminated, "cancelled");
  }
  std::lock_guard records(mutex_);
  return pod->record;
}

Result<bool> PodManager::remove(const std::string& id) {
  auto pod = find(id);
  if (!pod) return false;
  {
    std::lock_guard guard(pod->lifecycle);
    {
      std::lock_guard records(mutex_);
      const auto it = pods_.find(id);
      if (it == pods_.end() || it->second != pod) return false;  // another request deleted it meanwhile
    }
    unregister_egress(*pod);
    if (auto destroyed = driver_.destroy(id); !destroyed) {
      spdlog::error("event=sandbox_destroy_failed pod={} error=\"{}\"", id, destroyed.error());
      return make_error("destroying the sandbox failed: " + destroyed.error());
    }
    std::error_code error;
    fs::remove_all(pod_dir(id), error);
    if (error) spdlog::error("event=pod_record_remove_failed pod={} error=\"{}\"", id, error.message());
    std::lock_guard records(mutex_);
    pods_.erase(id);
  }
  if (pod->starter.joinable()) pod->starter.join();
  spdlog::info("event=pod_deleted pod={}", id);
  return true;
}

std::variant<UniqueFd, ApiError> PodManager::connect(const std::string& id) {
  auto record = get(id);
  if (!record) return ApiError{404, "pod_not_found", "no pod with id \"" + id + "\" on this node"};
  if (record->phase != PodPhase::running) {
    return ApiError{409, "pod_not_running",
                    "pod " + id + " is " + std::string(to_string(record->phase)) + ", not running: " + record->reason};
  }
  auto fd = driver_.connect(id);
  if (!fd) {
    spdlog::error("event=proxy_connect_failed pod={} error=\"{}\"", id, fd.error());
    return ApiError{502, "proxy_unreachable", "cannot reach the pod's tool proxy: " + fd.error()};
  }
  return std::move(fd).value();
}

std::variant<sandbox::Paths, ApiError> PodManager::paths(const std::string& id) {
  if (!find(id)) return ApiError{404, "pod_not_found", "no pod with id \"" + id + "\" on this node"};
  auto paths = driver_.paths(id);
  if (!paths) return ApiError{500, "internal", paths.error()};
  return std::move(paths).value();
}

}  // namespace nucleus::node
