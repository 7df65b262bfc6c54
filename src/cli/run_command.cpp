#include "cli/run_command.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/agent_process.h"
#include "cli/app.h"
#include "cli/approval_watcher.h"
#include "cli/mcp_config.h"
#include "cli/node_call.h"
#include "cli/pod_commands.h"
#include "cli/run_summary.h"
#include "cli/workspace_archive.h"
#include "common/errno_text.h"
#include "policy/profiles.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::atomic<int> g_interrupt{0};

void record_interrupt(int signal_number) { g_interrupt = signal_number; }

// Records SIGINT, SIGTERM and SIGHUP instead of dying while nucleus run
// sets up and cleans up, so that a pod it created is always deleted. While
// the agent runs, run_agent_process handles these signals itself.
class RunInterrupts {
 public:
  RunInterrupts() {
    g_interrupt = 0;
    struct sigaction record {};
    record.sa_handler = record_interrupt;
    sigemptyset(&record.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &record, &old_[i]);
  }
  ~RunInterrupts() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  RunInterrupts(const RunInterrupts&) = delete;
  RunInterrupts& operator=(const RunInterrupts&) = delete;

  int received() const { return g_interrupt.load(); }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

struct StartedPod {
  std::string id;
  // The token scoped to this pod that the agent gets; the agent token when
  // the node issued none.
  std::string agent_token;
};

struct PreparedRun {
  std::string spec;
  std::string content_type;
  std::optional<std::string> archive;
  DirectoryManifest uploaded;  // the workspace as it was uploaded
};

std::string profile_names() {
  std::string names;
  for (const auto& profile : policy::profiles()) names += (names.empty() ? "" : ", ") + std::string(profile.name);
  return names;
}

// Everything that can be checked locally, before the node is asked.
Result<PreparedRun> prepare(const RunRequest& request) {
  if (request.agent_command.empty()) {
    return make_error("no agent command: put it after --, e.g. nucleus run --profile fix-issue -- ./agent.sh");
  }
  if (auto program = find_program(request.agent_command.front()); !program.ok()) return make_error(program.error());
  PreparedRun run;
  if (request.spec_file) {
    auto spec = read_spec_file(*request.spec_file);
    if (!spec.ok()) return make_error(spec.error());
    run.spec = std::move(*spec);
    run.content_type = spec_content_type(*request.spec_file);
  } else {
    const std::string profile = request.profile.value_or(kDefaultRunProfile);
    if (!policy::is_profile_name(profile)) {
      return make_error(fmt::format("unknown profile \"{}\"; the profiles are {}", profile, profile_names()));
    }
    run.spec = profile_pod_spec(profile);
    run.content_type = "application/json";
  }
  if (request.workspace_dir) {
    std::error_code ignored;
    if (!fs::is_directory(*request.workspace_dir, ignored)) {
      return make_error(fmt::format("workspace {} does not exist or is not a directory", *request.workspace_dir));
    }
    auto manifest = directory_manifest(*request.workspace_dir);
    if (!manifest.ok()) return make_error(manifest.error());
    run.uploaded = std::move(*manifest);
    auto packed = pack_directory(*request.workspace_dir);
    if (!packed.ok()) return make_error(packed.error());
    run.archive = std::move(*packed);
  }
  return run;
}

std::string self_executable() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("nucleus") : self.string();
}

// Creates the pod, waits for it and uploads the workspace. On failure after
// the pod exists, the pod is deleted again.
Result<StartedPod> start_pod(const NodeClient& client, const RunRequest& request, const PreparedRun& run,
                             std::ostream& err) {
  auto created = call_node_json(client, {"POST", "/v1/pods", run.spec, run.content_type, TokenRole::agent});
  if (!created.ok()) return make_error(created.error());
  const std::string pod_id = created->value("id", "");
  if (pod_id.empty()) return make_error("the node's response to POST /v1/pods has no id");
  const std::string pod_token = created->value("pod_token", "");
  auto fail = [&](const std::string& message) -> Result<StartedPod> {
    static_cast<void>(client.send({"DELETE", pod_path(pod_id), "", "", TokenRole::agent}));
    return make_error(message + "; pod " + pod_id + " was deleted");
  };
  CreatePodRequest wait_request;
  wait_request.running_timeout = request.running_timeout;
  wait_request.interrupted = [] { return g_interrupt.load() != 0; };
  if (auto running = wait_until_running(client, pod_id, wait_request); !running.ok()) return fail(running.error());
  if (run.archive) {
    auto uploaded = call_node_json(client, {"PUT", pod_path(pod_id) + "/workspace", *run.archive,
                                            "application/x-tar", TokenRole::agent});
    if (!uploaded.ok()) return fail(uploaded.error());
    err << fmt::format("nucleus: pod {} runs; uploaded {} ({} entries)\n", pod_id, *request.workspace_dir,
                       uploaded->value("entries", json(0)).dump());
  } else {
    err << fmt::format("nucleus: pod {} runs\n", pod_id);
  }
  return StartedPod{pod_id, pod_token.empty() ? client.endpoint().token : pod_token};
}

std::string current_directory() {
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  return error ? std::string() : cwd.string();
}

Result<std::string> make_run_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/nucleus-run-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return make_error(syscall_error("mkdtemp", dir));
  return dir;
}

Result<int> run_agent(const NodeClient& client, const RunRequest& request, const StartedPod& pod,
                      const AnswerSource& answers, std::ostream& err) {
  const std::string& pod_id = pod.id;
  auto run_dir = make_run_dir();
  if (!run_dir.ok()) return make_error(run_dir.error());
  const McpLaunch launch{self_executable(), client.endpoint().url, pod.agent_token, pod_id};
  auto files = write_mcp_configs(*run_dir, launch);
  Result<int> status = make_error("the agent did not run");
  if (!files.ok()) {
    status = make_error(files.error());
  } else {
    AgentLaunch agent{request.agent_command, *run_dir,
                      {{"NUCLEUS_POD_ID", pod_id},
                       {"NUCLEUS_RUN_CWD", current_directory()},
                       {"NUCLEUS_NODE_URL", client.endpoint().url},
                       {"NUCLEUS_MCP_CONFIG", files->plain_path},
                       {"NUCLEUS_MCP_CLAUDE_CONFIG", files->claude_path}},
                      {"NUCLEUS_NODE_TOKEN", "NUCLEUS_NODE_APPROVER_TOKEN", "NUCLEUS_NODE_STATE_DIR"}};
    const bool prompt = !request.no_prompt && !client.endpoint().approver_token.empty() && has_terminal();
    ApprovalWatcher watcher(client, pod_id, prompt, answers, err, request.approval_poll);
    watcher.start();
    status = run_agent_process(agent);
    watcher.stop();
  }
  std::error_code ignored;
  fs::remove_all(*run_dir, ignored);
  return status;
}

// Replaces DIR with the pod's workspace, unless something in DIR changed
// on the host during the run: then the pod's copy goes next to it, in
// DIR.nucleus-POD, so that neither side's edits are lost.
Result<std::string> copy_back(const NodeClient& client, const std::string& dir, const PreparedRun& run,
                              const std::string& pod_id) {
  auto archive = call_node(client, {"GET", pod_path(pod_id) + "/workspace", "", "", TokenRole::agent});
  if (!archive.ok()) return make_error(archive.error());
  auto now = directory_manifest(dir);
  if (!now.ok()) return make_error(now.error());
  const std::optional<std::string> changed = first_difference(run.uploaded, *now);
  if (!changed) {
    auto replaced = replace_directory_with_archive(archive->body, dir);
    if (!replaced.ok()) return make_error(replaced.error());
    return fmt::format("copied the pod's workspace back into {}", dir);
  }
  std::string beside = dir;
  while (beside.size() > 1 && beside.back() == '/') beside.pop_back();
  beside += ".nucleus-" + pod_id;
  std::error_code error;
  if (!fs::create_directory(beside, error)) {
    return make_error(fmt::format("{} changed on the host during the run ({}), and {} cannot be created: {}", dir,
                                  *changed, beside, error ? error.message() : "it exists"));
  }
  auto extracted = unpack_archive(archive->body, beside);
  if (!extracted.ok()) return make_error(extracted.error());
  return fmt::format("{} changed on the host during the run ({}), so it was left as it is; the pod's workspace is "
                     "in {}",
                     dir, *changed, beside);
}

// Copies the workspace back, prints the summary and deletes the pod unless
// it stays. Returns false when something failed (already reported).
bool finish(const NodeClient& client, const RunRequest& request, const PreparedRun& run, const std::string& pod_id,
            std::ostream& err) {
  bool ok = true;
  if (request.workspace_dir && !request.leave_in_pod) {
    auto copied = copy_back(client, *request.workspace_dir, run, pod_id);
    if (copied.ok()) {
      err << "nucleus: " << *copied << "\n";
    } else {
      err << fmt::format("nucleus: error: the workspace was not copied back: {}; it stays in pod {}\n", copied.error(),
                         pod_id);
      ok = false;
    }
  }
  auto audit = call_node(client, {"GET", pod_path(pod_id) + "/audit", "", "", TokenRole::agent});
  auto pod = call_node_json(client, {"GET", pod_path(pod_id), "", "", TokenRole::agent});
  auto verify = call_node_json(client, {"GET", pod_path(pod_id) + "/audit/verify", "", "", TokenRole::agent});
  const AuditCounts counts = audit.ok() ? count_audit_records(audit->body) : AuditCounts{};
  err << format_run_summary(pod_id, counts, pod.ok() ? *pod : json(), verify.ok() ? *verify : json());
  if (request.leave_in_pod || !ok) {
    err << fmt::format("nucleus: pod {} keeps running; delete it with: nucleus pods delete {}\n", pod_id, pod_id);
    return ok;
  }
  auto deleted = call_node(client, {"DELETE", pod_path(pod_id), "", "", TokenRole::agent});
  if (!deleted.ok()) {
    err << "nucleus: error: deleting pod " << pod_id << " failed: " << deleted.error() << "\n";
    return false;
  }
  return ok;
}

}  // namespace

std::string profile_pod_spec(const std::string& profile) {
  return json{{"apiVersion", "nucleus.io/v1"},
              {"kind", "PodSpec"},
              {"metadata", {{"name", "nucleus-run-" + profile}}},
              {"spec", {{"profile", profile}, {"work_dir", "/workspace"}}}}
      .dump();
}

int run_agent_in_pod(const NodeClient& client, const RunRequest& request, const AnswerSource& answers,
                     std::ostream& out, std::ostream& err) {
  auto run = prepare(request);
  if (!run.ok()) return report_failure(err, run.error(), kExitUsage);
  RunInterrupts interrupts;
  auto pod = start_pod(client, request, *run, err);
  if (!pod.ok()) {
    report_failure(err, pod.error(), kExitFailure);
    return interrupts.received() != 0 ? 128 + interrupts.received() : kExitFailure;
  }
  if (interrupts.received() != 0) {
    err << "nucleus: interrupted before the agent started\n";
    static_cast<void>(client.send({"DELETE", pod_path(pod->id), "", "", TokenRole::agent}));
    return 128 + interrupts.received();
  }
  out.flush();
  auto agent_status = run_agent(client, request, *pod, answers, err);
  if (!agent_status.ok()) err << "nucleus: error: " << agent_status.error() << "\n";
  const bool finished = finish(client, request, *run, pod->id, err);
  if (!agent_status.ok()) return kExitFailure;
  if (!finished && *agent_status == 0) return kExitFailure;
  return *agent_status;
}

}  // namespace nucleus::cli
