// UTF-8 validation and repair, base64 and SHA-256 helpers of the tools.
#include "proxy/text_encoding.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace nucleus::proxy::text {
namespace {

// Encodes one Unicode scalar value as UTF-8 (test oracle).
std::string encode_code_point(char32_t code_point) {
  std::string out;
  const auto byte = [](unsigned value) { return static_cast<char>(static_cast<unsigned char>(value)); };
  const auto value = static_cast<unsigned>(code_point);
  if (value < 0x80) {
    out += byte(value);
  } else if (value < 0x800) {
    out += byte(0xC0 | (value >> 6));
    out += byte(0x80 | (value & 0x3F));
  } else if (value < 0x10000) {
    out += byte(0xE0 | (value >> 12));
    out += byte(0x80 | ((value >> 6) & 0x3F));
    out += byte(0x80 | (value & 0x3F));
  } else {
    out += byte(0xF0 | (value >> 18));
    out += byte(0x80 | ((value >> 12) & 0x3F));
    out += byte(0x80 | ((value >> 6) & 0x3F));
    out += byte(0x80 | (value & 0x3F));
  }
  return out;
}

// Valid UTF-8 text of random scalar values, weighted towards multi-byte ones.
rc::Gen<std::string> valid_utf8() {
  const auto scalar = rc::gen::oneOf(
      rc::gen::inRange<char32_t>(0, 0x80), rc::gen::inRange<char32_t>(0x80, 0x800),
      rc::gen::inRange<char32_t>(0x800, 0xD800), rc::gen::inRange<char32_t>(0xE000, 0x10000),
      rc::gen::inRange<char32_t>(0x10000, 0x110000));
  return rc::gen::map(rc::gen::container<std::vector<char32_t>>(scalar),
                      [](const std::vector<char32_t>& code_points) {
                        std::string text;
                        for (char32_t code_point : code_points) text += encode_code_point(code_point);
                        return text;
                      });
}

struct Utf8Case {
  const char* name;
  std::string bytes;
  bool valid;
};

TEST(Utf8, ValidationTable) {
  const std::vector<Utf8Case> cases = {
      {"empty", "", true},
      {"ascii", "hello", true},
      {"two-byte", "\xc3\xa9", true},
      {"three-byte euro", "\xe2\x82\xac", true},
      {"four-byte emoji", "\xf0\x9f\x98\x80", true},
      {"max scalar U+10FFFF", "\xf4\x8f\xbf\xbf", true},
      {"NUL is valid", std::string("a\0b", 3), true},
      {"overlong slash", "\xc0\xaf", false},
      {"overlong three-byte", "\xe0\x80\xaf", false},
      {"overlong four-byte", "\xf0\x80\x80\xaf", false},
      {"surrogate D800", "\xed\xa0\x80", false},
      {"above U+10FFFF", "\xf4\x90\x80\x80", false},
      {"lead F5", "\xf5\x80\x80\x80", false},
      {"lone continuation", "\x80", false},
      {"truncated three-byte", "\xe2\x82", false},
      {"truncated then ascii", "\xe2\x82z", false},
      {"latin-1 e acute", "caf\xe9", false},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    EXPECT_EQ(is_valid_utf8(test_case.bytes), test_case.valid);
  }
}

TEST(Utf8, RepairReplacesEachInvalidByte) {
  EXPECT_EQ(to_valid_utf8("caf\xe9"), "caf\xef\xbf\xbd");
  EXPECT_EQ(to_valid_utf8("\xe2\x82z"), "\xef\xbf\xbd\xef\xbf\xbdz");
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(Utf8, CompleteLengthDropsOnlyIncompleteTail) {
  EXPECT_EQ(complete_utf8_length("ab\xc3"), 2u);
  EXPECT_EQ(complete_utf8_length("ab\xf0\x9f\x98"), 2u);
  EXPECT_EQ(complete_utf8_length("ab\xc3\xa9"), 4u);
  // Invalid, not incomplete: kept for the caller to judge.
  EXPECT_EQ(complete_utf8_length("ab\xff"), 3u);
  EXPECT_EQ(complete_utf8_length("ab\xe0\x80"), 4u);
  EXPECT_EQ(complete_utf8_length(""), 0u);
}

TEST(Utf8, TruncateKeepsWholeCharacters) {
  EXPECT_EQ(truncate_utf8("ab\xc3\xa9", 3), "ab");
  EXPECT_EQ(truncate_utf8("ab\xc3\xa9", 4), "ab\xc3\xa9");
  EXPECT_EQ(truncate_utf8("abcdef", 3), "abc");
  // A run of continuation bytes is not UTF-8, so the cut stays at the limit.
  EXPECT_EQ(truncate_utf8("a\x80\x80\x80\x80\x80", 5), "a\x80\x80\x80\x80");
}

RC_GTEST_PROP(Utf8, RepairedTextIsValid, (const std::string& bytes)) {
  RC_ASSERT(is_valid_utf8(to_valid_utf8(bytes)));
}

RC_GTEST_PROP(Utf8, ValidTextPassesUnchanged, ()) {
  const std::string text = *valid_utf8();
  RC_ASSERT(is_valid_utf8(text));
  RC_ASSERT(to_valid_utf8(text) == text);
}

RC_GTEST_PROP(Utf8, CutTextCompletesToValidPrefix, ()) {
  const std::string text = *valid_utf8();
  const std::size_t cut = *rc::gen::inRange<std::size_t>(0, text.size() + 1);
  const std::string prefix = text.substr(0, cut);
  const std::size_t complete = complete_utf8_length(prefix);
  RC_ASSERT(complete <= cut);
  RC_ASSERT(complete + 3 >= cut);
  RC_ASSERT(is_valid_utf8(prefix.substr(0, complete)));
}

RC_GTEST_PROP(Utf8, TruncatedTextIsValidPrefix, ()) {
  const std::string text = *valid_utf8();
  const std::size_t max_bytes = *rc::gen::inRange<std::size_t>(0, text.size() + 2);
  const std::string_view truncated = truncate_utf8(text, max_bytes);
  RC_ASSERT(truncated.size() <= max_bytes);
  RC_ASSERT(text.starts_with(truncated));
  RC_ASSERT(is_valid_utf8(truncated));
}

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},     {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    SCOPED_TRACE(plain);
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(Base64, DecodeRejectsMalformed) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"length not multiple of 4", "Zg="},
      {"trailing newline", "Zg==\n"},
      {"inner whitespace", "Zm9v Yg=="},
      {"three padding characters", "Z==="},
      {"padding in the middle", "Zg==Zg=="},
      {"leading padding", "=Zg="},
      {"non-zero bits before two pads", "Zh=="},
      {"non-zero bits before one pad", "Zm9="},
      {"url-safe alphabet", "-_-_"},
      {"NUL byte", std::string("Zg=\0", 4)},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(base64_decode(text).has_value());
  }
}

RC_GTEST_PROP(Base64, RoundTrips, (const std::string& bytes)) {
  RC_ASSERT(base64_decode(base64_encode(bytes)) == bytes);
}

TEST(Sha256, KnownDigests) {
  // FIPS 180-2 appendix B.1 and the digest of the empty string.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace nucleus::proxy::text
