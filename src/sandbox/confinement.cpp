#include "sandbox/confinement.h"

#include <linux/capability.h>
#include <sys/prctl.h>

#include <atomic>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "sandbox/capabilities.h"

namespace nucleus::sandbox {
namespace {

ConfinementStatus failed(ConfinementStep step, int error) { return {step, error}; }

// Logs `message` the first time `flag` is seen unset in this process.
void warn_once(std::atomic<bool>& flag, std::string_view message) {
  if (!flag.exchange(true)) spdlog::warn("{}", message);
}

std::atomic<bool> landlock_warned{false};
std::atomic<bool> bounding_set_warned{false};

}  // namespace

ConfinementStatus drop_capability_bounds(const Confinement& confinement) {
  if (const int error = clear_ambient_capabilities(); error != 0) {
    return failed(ConfinementStep::clear_ambient, error);
  }
  if (confinement.last_capability >= 0) {
    if (const int error = drop_bounding_set(confinement.last_capability, confinement.kept_capabilities);
        error != 0) {
      return failed(ConfinementStep::drop_bounding_set, error);
    }
  }
  return {};
}

ConfinementStatus restrict_process(const Confinement& confinement) {
  if (const int error = limit_capability_sets(confinement.kept_capabilities); error != 0) {
    return failed(ConfinementStep::clear_capabilities, error);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed(ConfinementStep::no_new_privs, errno);
  if (confinement.landlock_ruleset_fd >= 0) {
    if (const int error = enforce_landlock_ruleset(confinement.landlock_ruleset_fd); error != 0) {
      return failed(ConfinementStep::landlock, error);
    }
  }
  if (confinement.seccomp != nullptr) {
    if (const int error = install_seccomp_program(*confinement.seccomp); error != 0) {
      return failed(ConfinementStep::seccomp, error);
    }
  }
  return {};
}

ConfinementStatus apply_in_child(const Confinement& confinement) {
  const ConfinementStatus bounds = drop_capability_bounds(confinement);
  if (!bounds.ok()) return bounds;
  return restrict_process(confinement);
}

std::string_view confinement_step_call(ConfinementStep step) {
  switch (step) {
    case ConfinementStep::none:
      return "none";
    case ConfinementStep::clear_ambient:
      return "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
    case ConfinementStep::drop_bounding_set:
      return "prctl(PR_CAPBSET_DROP)";
    case ConfinementStep::clear_capabilities:
      return "capset(empty sets)";
    case ConfinementStep::no_new_privs:
      return "prctl(PR_SET_NO_NEW_PRIVS)";
    case ConfinementStep::landlock:
      return "landlock_restrict_self()";
    case ConfinementStep::seccomp:
      return "seccomp(SECCOMP_SET_MODE_FILTER)";
  }
  return "unknown confinement step";
}

Result<std::shared_ptr<const CommandConfinement>> CommandConfinement::prepare(
    const std::vector<std::string>& writable_dirs, std::uint64_t kept_capabilities) {
  std::shared_ptr<CommandConfinement> prepared(new CommandConfinement());
  auto seccomp = build_seccomp_program(SeccompProfile::agent);
  if (!seccomp) return make_error("command confinement: " + seccomp.error());
  prepared->seccomp_ = std::move(seccomp).value();

  auto landlock = build_landlock_ruleset(writable_dirs);
  if (!landlock) return make_error("command confinement: Landlock: " + landlock.error());
  prepared->landlock_ = std::move(landlock).value();
  if (!prepared->landlock_.supported()) {
    warn_once(landlock_warned,
              "event=confinement_degraded reason=landlock_unsupported detail=\"the kernel has no Landlock; "
              "commands can write wherever file permissions allow\"");
  }

  const std::uint64_t effective = effective_capabilities();
  int last_capability = -1;
  if ((effective & capability_bit(CAP_SETPCAP)) != 0) {
    auto last = read_last_capability();
    if (!last) return make_error("command confinement: " + last.error());
    last_capability = *last;
  } else {
    warn_once(bounding_set_warned,
              "event=confinement_degraded reason=no_cap_setpcap detail=\"without CAP_SETPCAP the commands "
              "keep the capability bounding set; no_new_privs still stops them gaining capabilities\"");
  }

  prepared->writable_dirs_ = writable_dirs;
  prepared->confinement_.landlock_ruleset_fd = prepared->landlock_.fd.get();
  prepared->confinement_.seccomp = &prepared->seccomp_;
  prepared->confinement_.last_capability = last_capability;
  prepared->confinement_.kept_capabilities = kept_capabilities & effective;
  return std::shared_ptr<const CommandConfinement>(std::move(prepared));
}

}  // namespace nucleus::sandbox
