#include "node/tokens.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <openssl/rand.h>

#include "common/errno_text.h"
#include "common/unique_fd.h"
#include "proxy/hmac.h"
#include "proxy/key_file.h"

namespace nucleus::node {

Result<std::string> generate_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return make_error("RAND_bytes failed: no token could be generated");
  return proxy::to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

namespace {

// Creates `path` with mode 0600 holding a fresh token. O_EXCL: an existing
// file is never overwritten.
Result<std::string> create_token_file(const std::string& path) {
  auto token = generate_token();
  if (!token) return token;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return make_error(syscall_error("open", path));
  const std::string line = *token + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0) {
    const std::string error = syscall_error("write", path);
    ::unlink(path.c_str());
    return make_error(error);
  }
  return token;
}

Result<std::string> token_from_file(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return make_error(syscall_error("lstat", path));
    return create_token_file(path);
  }
  auto token = proxy::read_secret_file(path);
  if (!token) return token;
  if (token->empty()) return make_error("token file " + path + " is empty; delete it to generate a new token");
  return token;
}

}  // namespace

Result<NodeTokens> load_or_create_tokens(const std::string& state_dir, const std::optional<std::string>& agent_env,
                                         const std::optional<std::string>& approver_env) {
  const std::string dir = state_dir + "/tokens";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return make_error("cannot create " + dir + ": " + error.message());
  if (::chmod(dir.c_str(), 0700) != 0) return make_error(syscall_error("chmod", dir));

  NodeTokens tokens;
  auto agent = agent_env ? Result<std::string>(*agent_env) : token_from_file(dir + "/agent");
  if (!agent) return make_error(agent.error());
  auto approver = approver_env ? Result<std::string>(*approver_env) : token_from_file(dir + "/approver");
  if (!approver) return make_error(approver.error());
  if (proxy::constant_time_equal(*agent, *approver)) {
    return make_error("the agent token and the approver token are equal; they must differ");
  }
  tokens.agent = std::move(agent).value();
  tokens.approver = std::move(approver).value();
  return tokens;
}

Role authorize(std::string_view authorization_header, const NodeTokens& tokens) {
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization_header.starts_with(kScheme)) return Role::none;
  const std::string_view presented = authorization_header.substr(kScheme.size());
  if (presented.empty()) return Role::none;
  // Both comparisons always run, so timing does not reveal which one matched.
  const bool agent = proxy::constant_time_equal(presented, tokens.agent);
  const bool approver = proxy::constant_time_equal(presented, tokens.approver);
  if (approver) return Role::approver;
  if (agent) return Role::agent;
  return Role::none;
}

}  // namespace nucleus::node
