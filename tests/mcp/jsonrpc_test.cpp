// Adversarial table for the JSON-RPC framing, plus properties: classifying
// never throws, and every invalid message carries a reserved error code.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "mcp/jsonrpc.h"

namespace nucleus::mcp {
namespace {

using nlohmann::json;

struct FramingCase {
  const char* name;
  std::string text;
  MessageKind kind;
  int code;  // for invalid messages
  json id;   // the id the message or its error carries
};

class FramingTable : public ::testing::TestWithParam<FramingCase> {};

TEST_P(FramingTable, ClassifiesAsExpected) {
  const FramingCase& c = GetParam();
  const Message message = parse_message(c.text);
  EXPECT_EQ(message.kind, c.kind) << c.text;
  if (c.kind == MessageKind::invalid) {
    EXPECT_EQ(message.error["error"]["code"], c.code) << c.text;
    EXPECT_EQ(message.error["jsonrpc"], "2.0");
    EXPECT_EQ(message.error["id"], c.id) << c.text;
  } else {
    EXPECT_EQ(message.id, c.id) << c.text;
  }
}

const json kNull = nullptr;

INSTANTIATE_TEST_SUITE_P(
    Messages, FramingTable,
    ::testing::Values(
        FramingCase{"request", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", MessageKind::request, 0, 1},
        FramingCase{"string_id", R"({"jsonrpc":"2.0","id":"a","method":"ping"})", MessageKind::request, 0, "a"},
        FramingCase{"notification", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                    MessageKind::notification, 0, kNull},
        FramingCase{"response", R"({"jsonrpc":"2.0","id":3,"result":{}})", MessageKind::response, 0, 3},
        FramingCase{"error_response", R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}})",
                    MessageKind::response, 0, 3},
        FramingCase{"not_json", "{", MessageKind::invalid, kParseError, kNull},
        FramingCase{"empty", "", MessageKind::invalid, kParseError, kNull},
        FramingCase{"trailing_garbage", R"({"jsonrpc":"2.0","id":1,"method":"ping"} x)", MessageKind::invalid,
                    kParseError, kNull},
        FramingCase{"invalid_utf8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}", MessageKind::invalid,
                    kParseError, kNull},
        FramingCase{"batch", R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", MessageKind::invalid, kInvalidRequest,
                    kNull},
        FramingCase{"empty_batch", "[]", MessageKind::invalid, kInvalidRequest, kNull},
        FramingCase{"scalar", "42", MessageKind::invalid, kInvalidRequest, kNull},
        FramingCase{"string", R"("ping")", MessageKind::invalid, kInvalidRequest, kNull},
        FramingCase{"no_version", R"({"id":1,"method":"ping"})", MessageKind::invalid, kInvalidRequest, 1},
        FramingCase{"old_version", R"({"jsonrpc":"1.0","id":1,"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, 1},
        FramingCase{"numeric_version", R"({"jsonrpc":2.0,"id":1,"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, 1},
        FramingCase{"null_id", R"({"jsonrpc":"2.0","id":null,"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, kNull},
        FramingCase{"float_id", R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, kNull},
        FramingCase{"object_id", R"({"jsonrpc":"2.0","id":{},"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, kNull},
        FramingCase{"bool_id", R"({"jsonrpc":"2.0","id":true,"method":"ping"})", MessageKind::invalid,
                    kInvalidRequest, kNull},
        FramingCase{"numeric_method", R"({"jsonrpc":"2.0","id":1,"method":7})", MessageKind::invalid,
                    kInvalidRequest, 1},
        FramingCase{"empty_method", R"({"jsonrpc":"2.0","id":1,"method":""})", MessageKind::invalid,
                    kInvalidRequest, 1},
        FramingCase{"array_params", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[]})", MessageKind::invalid,
                    kInvalidParams, 1},
        FramingCase{"string_params", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":"x"})",
                    MessageKind::invalid, kInvalidParams, 1},
        FramingCase{"result_and_error", R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})", MessageKind::invalid,
                    kInvalidRequest, 1},
        FramingCase{"nothing", R"({"jsonrpc":"2.0","id":1})", MessageKind::invalid, kInvalidRequest, 1},
        FramingCase{"result_without_id", R"({"jsonrpc":"2.0","result":{}})", MessageKind::invalid, kInvalidRequest,
                    kNull}),
    [](const ::testing::TestParamInfo<FramingCase>& info) { return std::string(info.param.name); });

TEST(Framing, RefusesOversizedMessagesWithoutParsing) {
  const std::string huge(kMaxMessageBytes + 1, ' ');
  const Message message = parse_message(huge);
  ASSERT_EQ(message.kind, MessageKind::invalid);
  EXPECT_EQ(message.error["error"]["code"], kInvalidRequest);
}

TEST(Framing, ParamsDefaultToAnEmptyObject) {
  const Message message = parse_message(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  EXPECT_TRUE(message.params.is_object());
  EXPECT_TRUE(message.params.empty());
}

TEST(Framing, IdKeysKeepNumbersAndStringsApart) {
  EXPECT_NE(id_key(json(7)), id_key(json("7")));
  EXPECT_EQ(id_key(json(7)), id_key(json(7)));
}

RC_GTEST_PROP(FramingProperties, ArbitraryTextNeverThrowsAndErrorsUseReservedCodes, (const std::string& text)) {
  const Message message = parse_message(text);
  if (message.kind == MessageKind::invalid) {
    const int code = message.error["error"]["code"].get<int>();
    RC_ASSERT(code == kParseError || code == kInvalidRequest || code == kInvalidParams);
    RC_ASSERT(message.error["jsonrpc"] == "2.0");
  }
}

RC_GTEST_PROP(FramingProperties, WellFormedRequestsRoundTrip, (int id)) {
  const std::string method = *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)));
  json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", json::object()}};
  const std::string text = request.dump();
  const Message message = parse_message(text);
  RC_ASSERT(message.kind == MessageKind::request);
  RC_ASSERT(message.method == method);
  RC_ASSERT(message.id == json(id));
}

}  // namespace
}  // namespace nucleus::mcp
