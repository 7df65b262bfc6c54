#include "sandbox/launch_config.h"

#include <nlohmann/json.hpp>

#include "sandbox/sandbox_id.h"

namespace nucleus::sandbox {

using nlohmann::json;

std::string launch_config_to_json(const LaunchConfig& c) {
  json limits = {{"memory_bytes", c.limits.memory_bytes},
                 {"pids", c.limits.pids},
                 {"cpu_millis", c.limits.cpu_millis},
                 {"workspace_bytes", c.limits.workspace_bytes},
                 {"tmp_bytes", c.limits.tmp_bytes}};
  json doc = {{"id", c.id},
              {"dir", c.dir},
              {"work_dir", c.work_dir},
              {"root_dir", c.root_dir},
              {"limits", limits},
              {"uid_base", c.uid_base},
              {"cgroup_parent", c.cgroup_parent},
              {"proxy_binary", c.proxy_binary},
              {"proxy_args", c.proxy_args},
              {"egress", c.egress}};
  return doc.dump(2) + "\n";
}

namespace {

struct FieldError {
  std::string message;
};

template <typename T>
T field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) throw FieldError{std::string("missing field ") + name};
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw FieldError{std::string("field ") + name + " has the wrong type"};
  }
}

void require_absolute(const std::string& path, const char* name, bool may_be_empty) {
  if (path.empty() && may_be_empty) return;
  if (!path.starts_with('/') || path.find('\0') != std::string::npos) {
    throw FieldError{std::string("field ") + name + " must be an absolute path"};
  }
}

}  // namespace

Result<LaunchConfig> launch_config_from_json(const std::string& text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return make_error("launch config is not a JSON object");
  try {
    LaunchConfig c;
    c.id = field<std::string>(doc, "id");
    if (auto id = check_sandbox_id(c.id); !id) throw FieldError{id.error()};
    c.dir = field<std::string>(doc, "dir");
    c.work_dir = field<std::string>(doc, "work_dir");
    c.root_dir = field<std::string>(doc, "root_dir");
    const json limits = field<json>(doc, "limits");
    c.limits.memory_bytes = field<std::uint64_t>(limits, "memory_bytes");
    c.limits.pids = field<std::uint32_t>(limits, "pids");
    c.limits.cpu_millis = field<std::uint32_t>(limits, "cpu_millis");
    c.limits.workspace_bytes = field<std::uint64_t>(limits, "workspace_bytes");
    c.limits.tmp_bytes = field<std::uint64_t>(limits, "tmp_bytes");
    const auto uid_base = field<std::int64_t>(doc, "uid_base");
    if (uid_base == 0) throw FieldError{"field uid_base must not map the sandbox to host root"};
    if (uid_base < 0 || uid_base > 0xffffffffLL - kIdRange) throw FieldError{"field uid_base is out of range"};
    c.uid_base = static_cast<uid_t>(uid_base);
    c.cgroup_parent = field<std::string>(doc, "cgroup_parent");
    c.proxy_binary = field<std::string>(doc, "proxy_binary");
    c.proxy_args = field<std::vector<std::string>>(doc, "proxy_args");
    c.egress = field<bool>(doc, "egress");
    require_absolute(c.dir, "dir", false);
    require_absolute(c.work_dir, "work_dir", false);
    require_absolute(c.root_dir, "root_dir", true);
    require_absolute(c.proxy_binary, "proxy_binary", false);
    if (c.work_dir == "/" || c.work_dir.find("/..") != std::string::npos) {
      throw FieldError{"field work_dir must name a directory below /"};
    }
    return c;
  } catch (const FieldError& e) {
    return make_error("launch config: " + e.message);
  }
}

Layout::Layout(std::string sandbox_dir)
    : dir(std::move(sandbox_dir)),
      launch_file(dir + "/launch.json"),
      state_file(dir + "/supervisor.json"),
      exit_file(dir + "/exit.json"),
      log_file(dir + "/sandbox.log"),
      workspace(dir + "/workspace"),
      workspace_image(dir + "/workspace.img"),
      run_dir(dir + "/run"),
      root_mount(dir + "/root") {}

}  // namespace nucleus::sandbox
