// PodManager: the node's pods. Each pod is one sandbox of the driver plus a
// record on disk (STATE_DIR/pods/{id}: spec.yaml, status.json) and, when its
// spec has a network section, a listener on the node's egress proxy.
//
// Phases: pending (sandbox starting) -> running -> succeeded | failed |
// terminated. A background thread starts each sandbox and waits until it is
// ready. A monitor thread ends pods whose deadline (timeout_seconds) passed
// and notices sandboxes that exited by themselves. Every transition is
// logged (event=pod_phase) and written to status.json atomically.
//
// Locking: mutex_ guards the map and every record; each pod's lifecycle
// mutex serializes driver calls for it (the driver's contract). Order:
// lifecycle, then mutex_.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "egress/egress_proxy.h"
#include "node/api_error.h"
#include "node/pod_plan.h"
#include "node/pod_record.h"
#include "sandbox/driver.h"

namespace nucleus::node {

struct PodManagerOptions {
  std::string pods_dir;  // STATE_DIR/pods
  std::uint32_t max_pods = 64;
  std::chrono::milliseconds ready_timeout{60'000};
  std::chrono::milliseconds stop_grace{5'000};
  std::chrono::milliseconds monitor_interval{500};
  bool allow_file_remotes = false;
  bool allow_plain_http = false;
};

class PodManager {
 public:
  PodManager(PodManagerOptions options, sandbox::Driver& driver, egress::EgressProxy& egress);
  // Stops the monitor and joins the start threads; sandboxes keep running
  // so a restarted node can adopt them.
  ~PodManager();
  PodManager(const PodManager&) = delete;
  PodManager& operator=(const PodManager&) = delete;

  // Loads the records under pods_dir after a restart. Pods whose sandbox the
  // driver adopted as running stay running, and their egress rules are
  // registered again. Other unfinished pods become failed with the driver's
  // reason. Then starts the monitor thread.
  void recover_and_monitor();

  // Creates a pod from a request body and starts its sandbox in the
  // background. Returns the record (phase pending) or a 400, 429 or 500.
  std::variant<PodRecord, ApiError> create(std::string_view body);
  std::vector<PodRecord> list();
  std::optional<PodRecord> get(const std::string& id);
  std::size_t count();
  // Stops the sandbox; phase terminated with reason "cancelled". A pod that
  // already ended is returned unchanged.
  std::optional<PodRecord> cancel(const std::string& id);
  // Stops and destroys the sandbox, removes its egress listener and its
  // record directory. False for an unknown pod.
  Result<bool> remove(const std::string& id);

  // A connection to a running pod's tool proxy; 404 or 409 otherwise.
  std::variant<UniqueFd, ApiError> connect(const std::string& id);
  std::variant<sandbox::Paths, ApiError> paths(const std::string& id);
  // Stores the budget spent as the proxy reported it, for PodStatus.
  void note_spent(const std::string& id, const std::string& spent_usd);

 private:
  struct Pod {
    PodRecord record;                          // guarded by manager's mutex_
    std::vector<policy::EgressRule> egress_rules;
    bool egress = false;                       // spec.network present
    bool egress_registered = false;            // guarded by Pod::lifecycle
    std::mutex lifecycle;
    std::thread starter;
  };

  std::shared_ptr<Pod> find(const std::string& id);
  void run_start(const std::shared_ptr<Pod>& pod);
  // Sets phase and reason, logs, persists. The caller must lock pod->lifecycle.
  void transition(Pod& pod, PodPhase phase, const std::string& reason);
  // Stops the sandbox and unregisters egress. The caller must lock pod->lifecycle.
  void stop_sandbox(Pod& pod);
  Result<bool> register_egress(Pod& pod);
  void unregister_egress(Pod& pod);
  std::string pod_dir(const std::string& id) const { return options_.pods_dir + "/" + id; }
  void recover_pod(const std::string& id);
  void monitor_loop();
  void check_pod(const std::shared_ptr<Pod>& pod);

  const PodManagerOptions options_;
  sandbox::Driver& driver_;
  egress::EgressProxy& egress_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Pod>> pods_;  // guarded by mutex_
  std::condition_variable stop_signal_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread monitor_;
};

// "pod-" and 12 random lowercase hex digits: a valid sandbox id.
Result<std::string> generate_pod_id();

}  // namespace nucleus::node
