#include "proxy/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "common/unique_fd.h"

namespace nucleus::proxy {

Result<std::string> read_secret_file(const std::string& path) {
  constexpr std::size_t kMaxSecretBytes = 64 * 1024;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    const int error_number = errno;
    return make_error(syscall_error("open", path, error_number) +
                      (error_number == ELOOP ? " (secret files must not be symlinks)" : ""));
  }
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return make_error(syscall_error("fstat", path));
  if (!S_ISREG(status.st_mode)) return make_error(fmt::format("secret file {} is not a regular file", path));
  if ((status.st_mode & 077) != 0) {
    return make_error(fmt::format("secret file {} is readable by group or others (mode {:o}); run chmod 600 {}",
                                  path, status.st_mode & 0777, path));
  }
  if (static_cast<std::size_t>(status.st_size) > kMaxSecretBytes) {
    return make_error(fmt::format("secret file {} is larger than {} bytes", path, kMaxSecretBytes));
  }
  std::string content;
  std::array<char, 4096> chunk{};
  while (true) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0) return make_error(syscall_error("read", path));
    if (n == 0) break;
    content.append(chunk.data(), static_cast<std::size_t>(n));
    if (content.size() > kMaxSecretBytes) {
      return make_error(fmt::format("secret file {} is larger than {} bytes", path, kMaxSecretBytes));
    }
  }
  if (!content.empty() && content.back() == '\n') content.pop_back();
  return content;
}

Result<SecretKey> load_key_file(const std::string& path) {
  auto bytes = read_secret_file(path);
  if (!bytes.ok()) return make_error(bytes.error());
  auto key = SecretKey::from_bytes(std::move(bytes).value());
  if (!key.ok()) return make_error(fmt::format("key file {}: {}", path, key.error()));
  return key;
}

}  // namespace nucleus::proxy
