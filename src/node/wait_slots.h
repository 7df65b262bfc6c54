// A cap on requests that may block an HTTP worker thread while a tool
// call waits for an approval. The node serves HTTP from a pool of 32
// threads. Without a cap, 32 waiting calls would leave no thread for the
// approver who could end the wait.
#pragma once

#include <memory>

namespace nucleus::node {

inline constexpr int kMaxWaitingCalls = 16;

// A held slot, given back when the last copy is destroyed; null when
// kMaxWaitingCalls slots are held already. One pool for the whole process,
// shared by the tool route and MCP over HTTP.
std::shared_ptr<void> acquire_wait_slot();

}  // namespace nucleus::node
