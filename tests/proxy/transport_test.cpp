// Unix socket listener: stale sockets, live sockets and cleanup.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "proxy/transport.h"

namespace nucleus::proxy {
namespace {

namespace fs = std::filesystem;

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("nucleus-transport-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string socket_path() const { return (dir_ / "s.sock").string(); }
  fs::path dir_;
};

TEST_F(TransportTest, RemovesSocketFileOnDestruction) {
  {
    auto listener = Listener::unix_socket(socket_path(), 0600);
    ASSERT_TRUE(listener.ok()) << listener.error();
    EXPECT_TRUE(fs::is_socket(socket_path()));
  }
  EXPECT_FALSE(fs::exists(socket_path()));
}

TEST_F(TransportTest, RefusesSocketWithLiveListener) {
  auto first = Listener::unix_socket(socket_path(), 0600);
  ASSERT_TRUE(first.ok()) << first.error();
  auto second = Listener::unix_socket(socket_path(), 0600);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("in use by a running server"), std::string::npos) << second.error();
  // The first listener still owns the path and still accepts.
  auto client = connect_unix(socket_path());
  EXPECT_TRUE(client.ok());
}

TEST_F(TransportTest, ReplacesStaleSocket) {
  // A crashed server leaves its socket file behind with no listener.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path().c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::is_socket(socket_path()));
  auto listener = Listener::unix_socket(socket_path(), 0600);
  ASSERT_TRUE(listener.ok()) << listener.error();
  EXPECT_TRUE(connect_unix(socket_path()).ok());
}

TEST_F(TransportTest, RefusesPathThatIsNotASocket) {
  std::ofstream(socket_path()) << "data";
  auto listener = Listener::unix_socket(socket_path(), 0600);
  ASSERT_FALSE(listener.ok());
  EXPECT_NE(listener.error().find("is not a socket"), std::string::npos) << listener.error();
  EXPECT_TRUE(fs::is_regular_file(socket_path()));
}

TEST_F(TransportTest, ReadLineRejectsOversizeLine) {
  auto listener = Listener::unix_socket(socket_path(), 0600);
  ASSERT_TRUE(listener.ok());
  std::thread writer([&] {
    auto client = connect_unix(socket_path());
    ASSERT_TRUE(client.ok());
    client->write_all(std::string(4096, 'x'), std::chrono::seconds(2));
  });
  auto connection = listener->accept();
  ASSERT_TRUE(connection.has_value());
  std::string line;
  EXPECT_EQ(connection->read_line(line, 1024, std::chrono::seconds(2)), Connection::ReadStatus::too_long);
  writer.join();
}

}  // namespace
}  // namespace nucleus::proxy
