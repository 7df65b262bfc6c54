#include "node/pod_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "common/errno_text.h"
#include "common/unique_fd.h"
#include "policy/operation.h"

namespace nucleus::node {

using nlohmann::json;

std::string_view to_string(PodPhase phase) {
  switch (phase) {
    case PodPhase::pending: return "pending";
    case PodPhase::running: return "running";
    case PodPhase::succeeded: return "succeeded";
    case PodPhase::failed: return "failed";
    case PodPhase::terminated: return "terminated";
  }
  return "failed";
}

std::optional<PodPhase> parse_pod_phase(std::string_view text) {
  for (PodPhase phase : {PodPhase::pending, PodPhase::running, PodPhase::succeeded, PodPhase::failed,
                         PodPhase::terminated}) {
    if (to_string(phase) == text) return phase;
  }
  return std::nullopt;
}

bool is_final(PodPhase phase) {
  return phase == PodPhase::succeeded || phase == PodPhase::failed || phase == PodPhase::terminated;
}

void describe_policy(PodRecord& record, const policy::Policy& policy) {
  record.policy_checksum = policy.checksum();
  record.work_dir = policy.work_dir();
  record.capabilities.clear();
  for (policy::Operation op : policy::kAllOperations) {
    record.capabilities[std::string(policy::to_string(op))] =
        std::string(policy::to_string(policy.envelope().capabilities.level(op)));
  }
  const auto& cap = policy.envelope().budget.max_cost_usd;
  record.max_cost_usd = cap ? std::optional<std::string>(cap->to_string()) : std::nullopt;
}

std::string format_rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Result<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text) {
  std::tm utc{};
  std::istringstream in(text);
  in >> std::get_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail() || text.size() != 20) return make_error("invalid RFC 3339 UTC time \"" + text + "\"");
  return std::chrono::system_clock::from_time_t(::timegm(&utc));
}

json to_json(const PodRecord& record) {
  return {{"id", record.id},
          {"name", record.name},
          {"phase", to_string(record.phase)},
          {"reason", record.reason},
          {"created", format_rfc3339(record.created)},
          {"deadline", record.deadline ? json(format_rfc3339(*record.deadline)) : json(nullptr)},
          {"driver", record.driver},
          {"policy_checksum", record.policy_checksum},
          {"profile", record.profile},
          {"capabilities", record.capabilities},
          {"budget",
           {{"spent_usd", record.spent_usd},
            {"max_cost_usd", record.max_cost_usd ? json(*record.max_cost_usd) : json(nullptr)}}},
          {"work_dir", record.work_dir}};
}

Result<PodRecord> pod_record_from_json(const json& value) {
  try {
    PodRecord record;
    record.id = value.at("id").get<std::string>();
    record.name = value.at("name").get<std::string>();
    auto phase = parse_pod_phase(value.at("phase").get<std::string>());
    if (!phase) return make_error("unknown phase " + value.at("phase").dump());
    record.phase = *phase;
    record.reason = value.at("reason").get<std::string>();
    auto created = parse_rfc3339(value.at("created").get<std::string>());
    if (!created) return make_error(created.error());
    record.created = *created;
    if (!value.at("deadline").is_null()) {
      auto deadline = parse_rfc3339(value.at("deadline").get<std::string>());
      if (!deadline) return make_error(deadline.error());
      record.deadline = *deadline;
    }
    record.driver = value.at("driver").get<std::string>();
    record.policy_checksum = value.at("policy_checksum").get<std::string>();
    record.profile = value.at("profile").get<std::string>();
    record.capabilities = value.at("capabilities").get<std::map<std::string, std::string>>();
    record.spent_usd = value.at("budget").at("spent_usd").get<std::string>();
    const json& cap = value.at("budget").at("max_cost_usd");
    if (!cap.is_null()) record.max_cost_usd = cap.get<std::string>();
    record.work_dir = value.at("work_dir").get<std::string>();
    return record;
  } catch (const json::exception& e) {
    return make_error(std::string("invalid pod status: ") + e.what());
  }
}

Result<bool> write_record(const std::string& dir, const PodRecord& record) {
  const std::string path = dir + "/status.json";
  const std::string temporary = path + ".tmp";
  const std::string text = to_json(record).dump(2) + "\n";
  {
    UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return make_error(syscall_error("open", temporary));
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fsync(fd.get()) != 0) {
      return make_error(syscall_error("write", temporary));
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) return make_error(syscall_error("rename", temporary));
  return true;
}

Result<PodRecord> read_record(const std::string& dir) {
  const std::string path = dir + "/status.json";
  std::ifstream in(path);
  if (!in) return make_error("cannot open " + path);
  const json value = json::parse(in, nullptr, false);
  if (value.is_discarded()) return make_error(path + ": invalid JSON");
  auto record = pod_record_from_json(value);
  if (!record) return make_error(path + ": " + record.error());
  return record;
}

}  // namespace nucleus::node
