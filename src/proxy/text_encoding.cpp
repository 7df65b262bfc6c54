#include "proxy/text_encoding.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include <fmt/format.h>

namespace nucleus::proxy::text {

namespace {

unsigned char byte_at(std::string_view bytes, std::size_t pos) {
  return static_cast<unsigned char>(bytes[pos]);
}

bool is_continuation(unsigned char byte) { return byte >= 0x80 && byte <= 0xBF; }

// How far the sequence that starts at `pos` conforms to RFC 3629: the
// length its lead byte announces (0 when bytes[pos] cannot start one) and
// how many bytes from `pos` fit, up to that length or the end of `bytes`.
struct SequenceScan {
  std::size_t expected = 0;
  std::size_t matched = 0;
};

SequenceScan scan_sequence(std::string_view bytes, std::size_t pos) {
  const unsigned char lead = byte_at(bytes, pos);
  if (lead < 0x80) return {1, 1};

  std::size_t expected = 0;
  // Bounds of the second byte; they rule out overlong forms, surrogates
  // and code points above U+10FFFF.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    expected = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    expected = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    expected = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {};
  }

  std::size_t matched = 1;
  while (matched < expected && pos + matched < bytes.size()) {
    const unsigned char next = byte_at(bytes, pos + matched);
    const bool fits = matched == 1 ? next >= low && next <= high : is_continuation(next);
    if (!fits) break;
    ++matched;
  }
  return {expected, matched};
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const SequenceScan scan = scan_sequence(bytes, pos);
    if (scan.expected == 0 || scan.matched != scan.expected) return false;
    pos += scan.expected;
  }
  return true;
}

std::size_t complete_utf8_length(std::string_view bytes) {
  // A sequence is at most four bytes, so an incomplete one starts within
  // the last three.
  for (std::size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
    const std::size_t pos = bytes.size() - back;
    if (is_continuation(byte_at(bytes, pos))) continue;
    const SequenceScan scan = scan_sequence(bytes, pos);
    const bool incomplete = scan.expected > back && scan.matched == back;
    return incomplete ? pos : bytes.size();
  }
  return bytes.size();
}

std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const SequenceScan scan = scan_sequence(bytes, pos);
    if (scan.expected != 0 && scan.matched == scan.expected) {
      out.append(bytes.substr(pos, scan.expected));
      pos += scan.expected;
    } else {
      out.append("\xEF\xBF\xBD");
      ++pos;
    }
  }
  return out;
}

std::string_view truncate_utf8(std::string_view bytes, std::size_t max_bytes) {
  if (bytes.size() <= max_bytes) return bytes;
  std::size_t cut = max_bytes;
  // Step back over at most three continuation bytes to the start of the
  // sequence that straddles the limit. More than three means the bytes are
  // not UTF-8 there, and the limit itself is as good a cut as any.
  for (std::size_t back = 0; back < 3 && cut > 0 && is_continuation(byte_at(bytes, cut)); ++back) {
    --cut;
  }
  if (is_continuation(byte_at(bytes, cut))) cut = max_bytes;
  return bytes.substr(0, cut);
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  const std::string_view body = text.substr(0, text.size() - padding);
  if (body.find_first_not_of(kBase64Alphabet) != std::string_view::npos) return std::nullopt;

  // The bits after the last encoded byte must be zero, so each byte string
  // has exactly one accepted encoding.
  if (padding > 0) {
    const std::size_t last = kBase64Alphabet.find(body.back());
    const std::size_t unused_bits_mask = padding == 1 ? 0x03 : 0x0F;
    if ((last & unused_bits_mask) != 0) return std::nullopt;
  }

  std::string out(3 * (text.size() / 4), '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    // Only an OpenSSL configuration without SHA-256 gets here.
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace nucleus::proxy::text
