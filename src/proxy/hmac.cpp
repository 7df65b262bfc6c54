#include "proxy/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

namespace nucleus::proxy {

Result<SecretKey> SecretKey::from_bytes(std::string bytes) {
  if (bytes.size() < kMinBytes) {
    const std::size_t size = bytes.size();
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return make_error(
        fmt::format("secret key is {} bytes, at least {} are required; generate one with "
                    "`openssl rand 32 > FILE`",
                    size, kMinBytes));
  }
  return SecretKey(std::move(bytes));
}

SecretKey::~SecretKey() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    // Only a broken OpenSSL installation fails here; there is no sensible
    // fallback for a missing digest.
    throw std::runtime_error("SHA-256 failed in OpenSSL EVP_Digest");
  }
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string hmac_sha256(const SecretKey& key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  const std::string_view key_bytes = key.bytes();
  if (HMAC(EVP_sha256(), key_bytes.data(), static_cast<int>(key_bytes.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL HMAC");
  }
  return std::string(reinterpret_cast<const char*>(mac.data()), length);
}

std::string hmac_sha256_hex(const SecretKey& key, std::string_view data) {
  return to_hex(hmac_sha256(key, data));
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  return hex;
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    if (!digit && !lower) return false;
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nucleus::proxy
