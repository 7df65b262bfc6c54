// Plain scalar types under the YAML 1.2 core schema.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spec/core_schema.h"

namespace nucleus::spec {
namespace {

struct TypeCase {
  const char* text;
  ScalarType type;
};

TEST(CoreSchema, ResolvesPlainScalarTypes) {
  const std::vector<TypeCase> cases = {
      {"true", ScalarType::boolean},   {"False", ScalarType::boolean}, {"TRUE", ScalarType::boolean},
      {"yes", ScalarType::string},     {"on", ScalarType::string},     {"tRUE", ScalarType::string},
      {"0", ScalarType::integer},      {"-12", ScalarType::integer},   {"+7", ScalarType::integer},
      {"0o17", ScalarType::integer},   {"0x1F", ScalarType::integer},  {"0x", ScalarType::string},
      {"0o8", ScalarType::string},     {"1.5", ScalarType::floating},  {"1.", ScalarType::floating},
      {".5", ScalarType::floating},    {"-1e3", ScalarType::floating}, {"1E+3", ScalarType::floating},
      {".inf", ScalarType::floating},  {"-.Inf", ScalarType::floating}, {".NaN", ScalarType::floating},
      {"-.nan", ScalarType::string},   {"1e", ScalarType::string},     {".", ScalarType::string},
      {"1.2.3", ScalarType::string},   {"1_000", ScalarType::string},  {"3.12-slim", ScalarType::string},
      {"2026-12-01T00:00:00Z", ScalarType::string},
  };
  for (const TypeCase& row : cases) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(resolve_plain_scalar(row.text), row.type);
  }
}

TEST(CoreSchema, NullForms) {
  for (const char* text : {"", "~", "null", "Null", "NULL"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(is_core_null(text));
  }
  for (const char* text : {"nULL", "none", "nil", "0"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(is_core_null(text));
  }
}

}  // namespace
}  // namespace nucleus::spec
