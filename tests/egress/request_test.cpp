#include "egress/request.h"

#include <gtest/gtest.h>

#include <string>

namespace nucleus::egress {
namespace {

using namespace std::string_literals;

struct ValidCase {
  const char* name;
  std::string head;
  RequestKind kind;
  std::string host;
  std::uint16_t port;
  std::string path;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

class RequestParseValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(RequestParseValid, ParsesTarget) {
  const ValidCase& c = GetParam();
  const auto request = parse_request_head(c.head);
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->kind, c.kind);
  EXPECT_EQ(request->host, c.host);
  EXPECT_EQ(request->port, c.port);
  EXPECT_EQ(request->path, c.path);
}

const ValidCase kValidCases[] = {
    {"Connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", RequestKind::connect,
     "example.com", 443, ""},
    {"ConnectHostWithoutPortDefaults443", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::connect, "example.com", 443, ""},
    {"ConnectHttp10WithoutHost", "CONNECT example.com:8443 HTTP/1.0\r\n\r\n", RequestKind::connect,
     "example.com", 8443, ""},
    {"ConnectIpv6", "CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", RequestKind::connect, "::1", 8080,
     ""},
    {"ConnectUppercaseHost", "CONNECT Example.COM:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
     RequestKind::connect, "example.com", 443, ""},
    {"ForwardGet", "GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n", RequestKind::forward,
     "example.com", 80, "/a/b?c=d"},
    {"ForwardExplicitPort", "GET http://example.com:8080/ HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
     RequestKind::forward, "example.com", 8080, "/"},
    {"ForwardHostHeaderExplicit80", "GET http://example.com/ HTTP/1.1\r\nHost: example.com:80\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/"},
    {"ForwardNoPath", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", RequestKind::forward,
     "example.com", 80, "/"},
    {"ForwardQueryWithoutPath", "GET http://example.com?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/?x=1"},
    {"ForwardAtInPath", "GET http://example.com/u@v HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/u@v"},
    {"ForwardPost", "POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/x"},
    {"ForwardCustomMethod", "PROPFIND http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/"},
    {"ForwardSchemeUppercase", "GET HTTP://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::forward, "example.com", 80, "/"},
    {"ForwardTrailingDotBoth", "GET http://example.com./ HTTP/1.1\r\nHost: example.com.\r\n\r\n",
     RequestKind::forward, "example.com.", 80, "/"},
    {"ForwardTrailingDotTargetOnly", "GET http://example.com./ HTTP/1.1\r\nHost: example.com\r\n\r\n",
     RequestKind::forward, "example.com.", 80, "/"},
    {"ForwardIpLiteral", "GET http://127.0.0.1:8080/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
     RequestKind::forward, "127.0.0.1", 8080, "/"},
    {"ForwardHexLiteral", "GET http://0x7f.1:8080/ HTTP/1.1\r\nHost: 0x7f.1:8080\r\n\r\n", RequestKind::forward,
     "0x7f.1", 8080, "/"},
    {"HeaderWhitespaceTrimmed", "GET http://a.com/ HTTP/1.1\r\nHost: \t a.com \t\r\n\r\n", RequestKind::forward,
     "a.com", 80, "/"},
    {"ChunkedBody", "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nTransfer-Encoding: chunked\r\n\r\n",
     RequestKind::forward, "a.com", 80, "/"},
};

INSTANTIATE_TEST_SUITE_P(Table, RequestParseValid, ::testing::ValuesIn(kValidCases),
                         [](const auto& info) { return std::string(info.param.name); });

struct InvalidCase {
  const char* name;
  std::string head;
  std::string message_part;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class RequestParseInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(RequestParseInvalid, RejectsWithReason) {
  const InvalidCase& c = GetParam();
  const auto request = parse_request_head(c.head);
  ASSERT_FALSE(request.ok()) << "accepted: " << request->authority();
  EXPECT_NE(request.error().find(c.message_part), std::string::npos) << request.error();
}

const InvalidCase kInvalidCases[] = {
    {"UserinfoAllowedAtOther", "GET http://allowed.com@other.com/ HTTP/1.1\r\nHost: other.com\r\n\r\n", "userinfo"},
    {"UserinfoUserPass", "GET http://user:pass@allowed.com/ HTTP/1.1\r\nHost: allowed.com\r\n\r\n", "userinfo"},
    {"UserinfoEmpty", "GET http://@allowed.com/ HTTP/1.1\r\nHost: allowed.com\r\n\r\n", "userinfo"},
    {"UserinfoConnect", "CONNECT user@allowed.com:443 HTTP/1.1\r\nHost: allowed.com:443\r\n\r\n", "userinfo"},
    {"UserinfoInHost", "GET http://a.com/ HTTP/1.1\r\nHost: x@a.com\r\n\r\n", "userinfo"},
    {"BackslashAuthority", "GET http://allowed.com\\@other.com/ HTTP/1.1\r\nHost: other.com\r\n\r\n", "userinfo"},
    {"BackslashHost", "GET http://allowed.com\\.other.com/ HTTP/1.1\r\nHost: a\r\n\r\n", "invalid character"},
    {"HostMismatchName", "GET http://allowed.com/ HTTP/1.1\r\nHost: other.com\r\n\r\n", "does not match"},
    {"HostMismatchPort", "GET http://allowed.com:8080/ HTTP/1.1\r\nHost: allowed.com:9090\r\n\r\n",
     "does not match"},
    {"HostMismatchDefaultPort", "GET http://allowed.com:8080/ HTTP/1.1\r\nHost: allowed.com\r\n\r\n",
     "does not match"},
    {"HostMismatchConnect", "CONNECT allowed.com:443 HTTP/1.1\r\nHost: other.com:443\r\n\r\n", "does not match"},
    {"HostMismatchConnectPort", "CONNECT allowed.com:8443 HTTP/1.1\r\nHost: allowed.com\r\n\r\n",
     "does not match"},
    {"HostMismatchNotation", "GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.1\r\n\r\n", "does not match"},
    {"HostMissingHttp11", "GET http://a.com/ HTTP/1.1\r\n\r\n", "no Host header"},
    {"HostMissingConnect11", "CONNECT a.com:443 HTTP/1.1\r\n\r\n", "no Host header"},
    {"HostDuplicate", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nHost: a.com\r\n\r\n", "more than one Host"},
    {"HostDuplicateCase", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nhost: b.com\r\n\r\n",
     "more than one Host"},
    {"HostEmpty", "GET http://a.com/ HTTP/1.1\r\nHost:\r\n\r\n", "empty host"},
    {"OriginForm", "GET /index.html HTTP/1.1\r\nHost: a.com\r\n\r\n", "origin form"},
    {"AsteriskForm", "OPTIONS * HTTP/1.1\r\nHost: a.com\r\n\r\n", "not a proxy request"},
    {"HttpsAbsolute", "GET https://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "https://"},
    {"OtherScheme", "GET ftp://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "not an http:// URL"},
    {"SchemeRelative", "GET //a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "origin form"},
    {"ConnectMissingPort", "CONNECT a.com HTTP/1.1\r\nHost: a.com\r\n\r\n", "has no port"},
    {"ConnectEmptyPort", "CONNECT a.com: HTTP/1.1\r\nHost: a.com\r\n\r\n", "empty port"},
    {"ConnectPortZero", "CONNECT a.com:0 HTTP/1.1\r\nHost: a.com:0\r\n\r\n", "outside 1-65535"},
    {"ConnectPortTooLarge", "CONNECT a.com:65536 HTTP/1.1\r\nHost: a.com:65536\r\n\r\n", "outside 1-65535"},
    {"ConnectPortLetters", "CONNECT a.com:https HTTP/1.1\r\nHost: a.com\r\n\r\n", "invalid port"},
    {"ConnectPortSign", "CONNECT a.com:+443 HTTP/1.1\r\nHost: a.com\r\n\r\n", "invalid port"},
    {"ConnectPortLong", "CONNECT a.com:0000443 HTTP/1.1\r\nHost: a.com\r\n\r\n", "invalid port"},
    {"ConnectUrl", "CONNECT http://a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n", "IPv6 address without"},
    {"ConnectPath", "CONNECT a.com:443/x HTTP/1.1\r\nHost: a.com:443\r\n\r\n", "invalid port"},
    {"ForwardEmptyPort", "GET http://a.com:/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "empty port"},
    {"ForwardBadPort", "GET http://a.com:8x/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "invalid port"},
    {"ForwardEmptyHost", "GET http:///x HTTP/1.1\r\nHost: a.com\r\n\r\n", "empty host"},
    {"ForwardFragment", "GET http://a.com/#x HTTP/1.1\r\nHost: a.com\r\n\r\n", "fragment"},
    {"PercentInHost", "GET http://a%2ecom/ HTTP/1.1\r\nHost: a%2ecom\r\n\r\n", "invalid character"},
    {"UnderscoreOkButStarBad", "GET http://*.a.com/ HTTP/1.1\r\nHost: *.a.com\r\n\r\n", "invalid character"},
    {"Ipv6Unbracketed", "CONNECT ::1:443 HTTP/1.1\r\nHost: a\r\n\r\n", "without brackets"},
    {"Ipv6Invalid", "CONNECT [::g]:443 HTTP/1.1\r\nHost: [::g]:443\r\n\r\n", "invalid IPv6"},
    {"Ipv6Unclosed", "CONNECT [::1:443 HTTP/1.1\r\nHost: a\r\n\r\n", "no closing"},
    {"NumericHostInvalid", "GET http://1.2.3.256/ HTTP/1.1\r\nHost: 1.2.3.256\r\n\r\n", "looks numeric"},
    {"NonAsciiTarget", "GET http://b\xC3\xBC" "cher.de/ HTTP/1.1\r\nHost: a\r\n\r\n", "printable ASCII"},
    {"ControlInTarget", std::string("GET http://a.com/\x01 HTTP/1.1\r\nHost: a.com\r\n\r\n"), "printable ASCII"},
    {"LowercaseVersion", "GET http://a.com/ http/1.1\r\nHost: a.com\r\n\r\n", "unsupported version"},
    {"Http2Version", "GET http://a.com/ HTTP/2.0\r\nHost: a.com\r\n\r\n", "unsupported version"},
    {"Http09", "GET http://a.com/\r\n\r\n", "request line"},
    {"DoubleSpace", "GET  http://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "request line"},
    {"TrailingSpace", "GET http://a.com/ HTTP/1.1 \r\nHost: a.com\r\n\r\n", "request line"},
    {"TabSeparator", "GET\thttp://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "request line"},
    {"BadMethod", "G(T http://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "method"},
    {"EmptyRequestLine", "\r\nGET http://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", "empty request line"},
    {"ObsFoldSpace", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nX-A: b\r\n c\r\n\r\n", "line folding"},
    {"ObsFoldTab", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nX-A: b\r\n\tc\r\n\r\n", "line folding"},
    {"SpaceBeforeColon", "GET http://a.com/ HTTP/1.1\r\nHost : a.com\r\n\r\n", "header name"},
    {"HeaderWithoutColon", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nBroken\r\n\r\n", "no ':'"},
    {"BareLf", "GET http://a.com/ HTTP/1.1\nHost: a.com\r\n\r\n", "bare CR or LF"},
    {"BareCr", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\rX: y\r\n\r\n", "bare CR or LF"},
    {"NulInHeader", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nX: \0\r\n\r\n"s, "NUL"},
    {"ControlInHeader", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\nX: \x07\r\n\r\n", "control character"},
    {"Unterminated", "GET http://a.com/ HTTP/1.1\r\nHost: a.com\r\n", "empty line"},
    {"TransferEncodingGzip", "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
     "not supported"},
    {"TransferEncodingAndLength",
     "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
     "both Transfer-Encoding and Content-Length"},
    {"ContentLengthTwice", "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
     "more than one Content-Length"},
    {"ContentLengthList", "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nContent-Length: 3, 3\r\n\r\n",
     "not a decimal number"},
    {"ContentLengthNegative", "POST http://a.com/ HTTP/1.1\r\nHost: a.com\r\nContent-Length: -1\r\n\r\n",
     "not a decimal number"},
    {"HostTooLong", "GET http://" + std::string(300, 'a') + "/ HTTP/1.1\r\nHost: a\r\n\r\n", "longer than 253"},
};

INSTANTIATE_TEST_SUITE_P(Table, RequestParseInvalid, ::testing::ValuesIn(kInvalidCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RequestParse, ConnectIgnoresBodyHeaders) {
  const auto request =
      parse_request_head("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\nContent-Length: 5\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->body.kind, BodyFraming::Kind::none);
}

TEST(RequestParse, ContentLengthFraming) {
  const auto request =
      parse_request_head("PUT http://a.com/ HTTP/1.1\r\nHost: a.com\r\ncontent-length: 12345\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->body.kind, BodyFraming::Kind::content_length);
  EXPECT_EQ(request->body.length, 12345u);
}

TEST(RequestParse, AuthorityBracketsIpv6) {
  const auto request = parse_request_head("CONNECT [2001:DB8::1]:443 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(request->authority(), "[2001:db8::1]:443");
}

TEST(OriginRequestHead, RewritesToOriginForm) {
  const auto request = parse_request_head(
      "POST http://a.com:8080/p?q=1 HTTP/1.1\r\nHost: a.com:8080\r\nProxy-Connection: keep-alive\r\n"
      "Proxy-Authorization: Basic eDp5\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
      "Content-Length: 2\r\nUser-Agent: t\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(origin_request_head(*request),
            "POST /p?q=1 HTTP/1.1\r\nHost: a.com:8080\r\nContent-Length: 2\r\nUser-Agent: t\r\n"
            "Connection: close\r\n\r\n");
}

TEST(OriginRequestHead, AddsHostForHttp10) {
  const auto request = parse_request_head("GET http://[::1]:81/ HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.error();
  EXPECT_EQ(origin_request_head(*request), "GET / HTTP/1.0\r\nHost: [::1]:81\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace nucleus::egress
