#include "node/wait_slots.h"

#include <atomic>

namespace nucleus::node {

namespace {

std::atomic<int> held_slots{0};

}  // namespace

std::shared_ptr<void> acquire_wait_slot() {
  if (held_slots.fetch_add(1) >= kMaxWaitingCalls) {
    held_slots.fetch_sub(1);
    return nullptr;
  }
  // The pointer only has to be non-null; the deleter gives the slot back.
  return std::shared_ptr<void>(&held_slots, [](void*) { held_slots.fetch_sub(1); });
}

}  // namespace nucleus::node
