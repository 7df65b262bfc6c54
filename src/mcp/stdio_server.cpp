#include "mcp/stdio_server.h"

#include <list>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

namespace nucleus::mcp {

using nlohmann::json;

namespace {

class LineWriter {
 public:
  explicit LineWriter(std::ostream& out) : out_(out) {}

  void write(const json& message) {
    const std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
    std::lock_guard lock(mutex_);
    out_ << line << '\n';
    out_.flush();
    if (!out_) failed_ = true;
  }

  bool failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  std::ostream& out_;
  mutable std::mutex mutex_;
  bool failed_ = false;
};

// Reads one line into `line`; false at the end of input. A line longer
// than kMaxMessageBytes is consumed to its end and reported by `too_long`.
bool read_line(std::istream& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  std::streambuf* buffer = in.rdbuf();
  bool any = false;
  while (true) {
    const int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (line.size() < kMaxMessageBytes) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
}

struct Worker {
  std::thread thread;
  std::shared_ptr<std::atomic<bool>> done;
};

}  // namespace

int serve_stdio(Session& session, std::istream& in, std::ostream& out) {
  LineWriter writer(out);
  const Sender send = [&writer](const json& message) { writer.write(message); };
  std::list<Worker> workers;
  auto reap = [&workers](bool all) {
    for (auto it = workers.begin(); it != workers.end();) {
      if (all || it->done->load()) {
        it->thread.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
  };

  std::string line;
  bool too_long = false;
  while (read_line(in, line, too_long)) {
    if (too_long) {
      send(error_response(nullptr, kInvalidRequest,
                          "the message exceeds the limit of " + std::to_string(kMaxMessageBytes) + " bytes"));
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Message message = parse_message(line);
    reap(false);
    if (message.kind == MessageKind::request && message.method == "tools/call") {
      if (workers.size() >= kMaxConcurrentCalls) {
        send(error_response(message.id, kInternalError,
                            "too many tool calls at once (" + std::to_string(kMaxConcurrentCalls) + ")"));
        continue;
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      workers.push_back({std::thread([&session, &send, done, message = std::move(message)] {
                           session.handle(message, send);
                           *done = true;
                         }),
                         done});
      continue;
    }
    session.handle(message, send);
  }
  reap(false);
  spdlog::info("event=mcp_stdio_closed pod={} waiting_calls={}", session.options().pod_id, workers.size());
  session.cancel_all();
  reap(true);
  return writer.failed() ? 1 : 0;
}

}  // namespace nucleus::mcp
