// The stdio transport over real pipes: one message per line, calls that
// wait do not block pings, the end of input cancels waiting calls, and bad
// lines get errors without ending the session.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <future>
#include <sstream>
#include <thread>

#include <ext/stdio_filebuf.h>

#include "fake_backend.h"
#include "mcp/stdio_server.h"

namespace nucleus::mcp {
namespace {

using nlohmann::json;
using testing::FakeBackend;

// A server on a pair of pipes, driven line by line from the test.
class PipeServer {
 public:
  explicit PipeServer(FakeBackend& backend) : session_(backend, options()) {
    int to_server[2];
    int from_server[2];
    EXPECT_EQ(::pipe2(to_server, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(from_server, O_CLOEXEC), 0);
    write_fd_ = to_server[1];
    read_fd_ = from_server[0];
    server_ = std::async(std::launch::async, [this, in_fd = to_server[0], out_fd = from_server[1]] {
      __gnu_cxx::stdio_filebuf<char> in_buf(in_fd, std::ios::in);
      __gnu_cxx::stdio_filebuf<char> out_buf(out_fd, std::ios::out);
      std::istream in(&in_buf);
      std::ostream out(&out_buf);
      return serve_stdio(session_, in, out);
    });
  }
  ~PipeServer() {
    close_input();
    if (server_.valid()) server_.get();
    ::close(read_fd_);
  }

  static SessionOptions options() {
    SessionOptions o;
    o.pod_id = "p1";
    o.poll_interval = std::chrono::milliseconds(5);
    return o;
  }

  void send_line(const std::string& line) {
    const std::string text = line + "\n";
    ASSERT_EQ(::write(write_fd_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void send(const json& message) { send_line(message.dump()); }

  json next() {
    std::string line;
    char c = 0;
    while (::read(read_fd_, &c, 1) == 1 && c != '\n') line += c;
    return line.empty() ? json() : json::parse(line);
  }

  // The next response, skipping notifications.
  json next_response() {
    while (true) {
      json message = next();
      if (message.is_null() || message.contains("id")) return message;
    }
  }

  void close_input() {
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
  }
  int finish() {
    close_input();
    return server_.get();
  }

 private:
  Session session_;
  int write_fd_ = -1;
  int read_fd_ = -1;
  std::future<int> server_;
};

json request(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

void initialize(PipeServer& server) {
  server.send(request(0, "initialize", {{"protocolVersion", "2025-06-18"}}));
  ASSERT_TRUE(server.next().contains("result"));
  server.send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
}

TEST(StdioServer, AnswersPingWhileACallWaitsForApproval) {
  FakeBackend backend;
  PipeServer server(backend);
  initialize(server);
  server.send(request(1, "tools/call", {{"name", "run"}, {"arguments", {{"command", "ls"}}}}));
  while (!backend.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(server.next()["method"], "notifications/message");  // the wait is announced
  server.send(request(2, "ping"));
  EXPECT_EQ(server.next()["id"], 2);
  backend.decide("a-run", true);
  const json reply = server.next_response();
  EXPECT_EQ(reply["id"], 1);
  EXPECT_EQ(reply["result"]["isError"], false);
  EXPECT_EQ(server.finish(), 0);
}

TEST(StdioServer, EndOfInputCancelsWaitingCalls) {
  FakeBackend backend;
  PipeServer server(backend);
  initialize(server);
  server.send(request(1, "tools/call", {{"name", "run"}}));
  while (!backend.is_pending("a-run")) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(server.finish(), 0);  // returns although no approver decided
  EXPECT_EQ(backend.calls.size(), 1u);
}

TEST(StdioServer, BadLinesGetErrors) {
  FakeBackend backend;
  PipeServer server(backend);
  server.send_line("not json");
  EXPECT_EQ(server.next()["error"]["code"], kParseError);
  server.send_line("   ");  // blank lines are skipped
  server.send_line("[1,2]");
  EXPECT_EQ(server.next()["error"]["code"], kInvalidRequest);
  server.send_line(std::string(kMaxMessageBytes + 10, 'x'));
  const json too_long = server.next();
  EXPECT_EQ(too_long["error"]["code"], kInvalidRequest);
  EXPECT_NE(too_long["error"]["message"].get<std::string>().find("limit"), std::string::npos);
  server.send_line(request(3, "ping").dump() + "\r");  // CRLF line ends work too
  EXPECT_EQ(server.next()["id"], 3);
  initialize(server);
  server.send(request(4, "tools/list"));
  EXPECT_TRUE(server.next()["result"]["tools"].is_array());
  EXPECT_EQ(server.finish(), 0);
}

TEST(StdioServer, ServesAnInputThatEndsWithoutANewline) {
  FakeBackend backend;
  Session session(backend, PipeServer::options());
  std::istringstream in(request(1, "ping").dump());
  std::ostringstream out;
  EXPECT_EQ(serve_stdio(session, in, out), 0);
  EXPECT_EQ(json::parse(out.str())["id"], 1);
}

}  // namespace
}  // namespace nucleus::mcp
