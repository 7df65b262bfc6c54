#include "sandbox/supervisor_records.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace nucleus::sandbox {

using nlohmann::json;

namespace {

json identity_json(const ProcessIdentity& who) { return {{"pid", who.pid}, {"start_ticks", who.start_ticks}}; }

ProcessIdentity identity_from(const json& value) {
  return ProcessIdentity{value.at("pid").get<pid_t>(), value.at("start_ticks").get<std::uint64_t>()};
}

Result<std::optional<json>> read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<json>();
    return make_error(path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error(path + ": not a JSON object");
  return std::optional<json>(std::move(doc));
}

}  // namespace

Result<bool> write_json_atomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return make_error("create " + temp + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("write " + temp + ": " + std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return make_error("rename " + temp + ": " + std::strerror(errno));
  return true;
}

Result<bool> write_supervisor_record(const std::string& path, const SupervisorRecord& record) {
  json doc = {{"supervisor", identity_json(record.supervisor)}};
  if (record.init) doc["init"] = identity_json(*record.init);
  return write_json_atomically(path, doc.dump() + "\n");
}

Result<std::optional<SupervisorRecord>> read_supervisor_record(const std::string& path) {
  auto doc = read_json(path);
  if (!doc) return make_error(doc.error());
  if (!doc->has_value()) return std::optional<SupervisorRecord>();
  try {
    SupervisorRecord record;
    record.supervisor = identity_from((**doc).at("supervisor"));
    if ((**doc).contains("init")) record.init = identity_from((**doc).at("init"));
    return std::optional<SupervisorRecord>(record);
  } catch (const json::exception& e) {
    return make_error(path + ": " + e.what());
  }
}

Result<bool> write_exit_record(const std::string& path, const ExitRecord& record) {
  json doc = {{"reason", record.reason}, {"oom_kills", record.oom_kills}};
  if (record.exit_code) doc["exit_code"] = *record.exit_code;
  if (record.signal) doc["signal"] = *record.signal;
  return write_json_atomically(path, doc.dump() + "\n");
}

Result<std::optional<ExitRecord>> read_exit_record(const std::string& path) {
  auto doc = read_json(path);
  if (!doc) return make_error(doc.error());
  if (!doc->has_value()) return std::optional<ExitRecord>();
  try {
    const json& value = **doc;
    ExitRecord record;
    record.reason = value.at("reason").get<std::string>();
    record.oom_kills = value.value("oom_kills", 0L);
    if (value.contains("exit_code")) record.exit_code = value.at("exit_code").get<int>();
    if (value.contains("signal")) record.signal = value.at("signal").get<int>();
    return std::optional<ExitRecord>(record);
  } catch (const json::exception& e) {
    return make_error(path + ": " + e.what());
  }
}

}  // namespace nucleus::sandbox
