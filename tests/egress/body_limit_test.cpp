#include "egress/body_limit.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace nucleus::egress {
namespace {

BodyFraming chunked() { return BodyFraming{BodyFraming::Kind::chunked, 0}; }

TEST(BodyLimit, NoBodyIsCompleteAtOnce) {
  auto limit = make_body_limit(BodyFraming{});
  EXPECT_TRUE(limit->complete());
  EXPECT_EQ(limit->consume("GET http://x/ HTTP/1.1\r\n"), 0u);
}

TEST(BodyLimit, ContentLengthStopsAtLength) {
  auto limit = make_body_limit(BodyFraming{BodyFraming::Kind::content_length, 5});
  EXPECT_EQ(limit->consume("abc"), 3u);
  EXPECT_FALSE(limit->complete());
  EXPECT_EQ(limit->consume("defgh"), 2u);
  EXPECT_TRUE(limit->complete());
  EXPECT_FALSE(limit->failed());
}

TEST(BodyLimit, ChunkedStopsAfterTerminator) {
  const std::string body = "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n";
  auto limit = make_body_limit(chunked());
  EXPECT_EQ(limit->consume(body + "GET http://evil/ HTTP/1.1\r\n"), body.size());
  EXPECT_TRUE(limit->complete());
  EXPECT_FALSE(limit->failed());
}

TEST(BodyLimit, ChunkedWithoutTrailers) {
  auto limit = make_body_limit(chunked());
  EXPECT_EQ(limit->consume("0\r\n\r\nextra"), 5u);
  EXPECT_TRUE(limit->complete());
}

TEST(BodyLimit, ChunkedRejectsBadFraming) {
  for (const char* body : {"zz\r\n", "\r\n", "5\r\nhelloXX", "5\nhello", "1234567890abcdef0\r\n"}) {
    auto limit = make_body_limit(chunked());
    limit->consume(body);
    EXPECT_TRUE(limit->failed()) << body;
    EXPECT_FALSE(limit->complete()) << body;
  }
}

// Splitting a chunked body at any point gives the same result as feeding
// it whole.
RC_GTEST_PROP(BodyLimitProperties, ChunkedSplitAnywhere, (std::vector<std::string> chunks, std::size_t cut)) {
  std::string body;
  for (const std::string& chunk : chunks) {
    if (chunk.empty()) continue;
    body += fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
  }
  body += "0\r\n\r\n";
  const std::string input = body + "trailing";
  const std::size_t at = cut % (input.size() + 1);
  auto limit = make_body_limit(chunked());
  const std::size_t first = limit->consume(std::string_view(input).substr(0, at));
  const std::size_t second = limit->complete() ? 0 : limit->consume(std::string_view(input).substr(at));
  RC_ASSERT(limit->complete());
  RC_ASSERT(first + second == body.size());
}

}  // namespace
}  // namespace nucleus::egress
