// SHA-256 and HMAC-SHA256 on top of OpenSSL 3, hex encoding, constant-time
// comparison, and SecretKey, the owner of HMAC key bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace nucleus::proxy {

// HMAC key bytes. The bytes are wiped with OPENSSL_cleanse when a SecretKey is
// destroyed. There is deliberately no way to print or serialize a key: this
// code never writes a secret anywhere, and callers load it from a file or the
// environment themselves.
class SecretKey {
 public:
  // RFC 2104 discourages HMAC keys shorter than the hash output (32 bytes for
  // SHA-256), so shorter keys are rejected.
  static constexpr std::size_t kMinBytes = 32;

  // Takes the raw key bytes. Returns an error when there are fewer than
  // kMinBytes of them.
  static Result<SecretKey> from_bytes(std::string bytes);

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  SecretKey(SecretKey&&) noexcept = default;
  SecretKey& operator=(SecretKey&&) noexcept = default;
  ~SecretKey();

  std::string_view bytes() const { return bytes_; }

 private:
  explicit SecretKey(std::string bytes) : bytes_(std::move(bytes)) {}

  std::string bytes_;
};

// Returns the lowercase hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(const SecretKey& key, std::string_view data);

// Returns the lowercase hex HMAC-SHA256 of `data` under `key` (64 characters).
std::string hmac_sha256_hex(const SecretKey& key, std::string_view data);

// Returns lowercase hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

// Returns true when `text` is exactly 64 lowercase hex digits, the form of
// every digest and signature this code writes.
bool is_sha256_hex(std::string_view text);

// Compares in time that depends only on the lengths, never on where the
// contents differ (CRYPTO_memcmp), so a signature check leaks nothing about
// how close a forgery came. Strings of different lengths compare unequal.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace nucleus::proxy
