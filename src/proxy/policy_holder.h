// PolicyHolder: the pod's current policy, shared by the pipeline and the
// tools' path and URL checks. Readers get an immutable snapshot; tightening
// swaps the snapshot. Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "policy/policy.h"

namespace nucleus::proxy {

class PolicyHolder {
 public:
  explicit PolicyHolder(policy::Policy initial)
      : current_(std::make_shared<const policy::Policy>(std::move(initial))) {}

  std::shared_ptr<const policy::Policy> get() const {
    std::lock_guard guard(lock_);
    return current_;
  }

  void set(std::shared_ptr<const policy::Policy> next) {
    std::lock_guard guard(lock_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex lock_;
  std::shared_ptr<const policy::Policy> current_;  // guarded by lock_
};

}  // namespace nucleus::proxy
