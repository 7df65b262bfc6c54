// Checks docs/openapi.yaml against the routes that src/node/http_api.cpp
// and src/node/mcp_route.cpp register: every route is described with its method, and the document
// describes no route that the node does not serve.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace nucleus::node::testing {
namespace {

struct Route {
  std::string method;        // lowercase, as OpenAPI spells operations
  std::string path;          // OpenAPI path template
  std::string success;       // status of a successful call
  bool needs_token = true;   // false only for the health check
};

// The routes of install_routes() in src/node/http_api.cpp, then those of
// install_mcp_routes() in src/node/mcp_route.cpp.
const std::vector<Route> kRoutes = {
    {"post", "/v1/pods", "201"},
    {"get", "/v1/pods", "200"},
    {"get", "/v1/pods/{id}", "200"},
    {"post", "/v1/pods/{id}/cancel", "200"},
    {"delete", "/v1/pods/{id}", "200"},
    {"get", "/v1/pods/{id}/logs", "200"},
    {"get", "/v1/pods/{id}/audit", "200"},
    {"get", "/v1/pods/{id}/audit/verify", "200"},
    {"put", "/v1/pods/{id}/workspace", "200"},
    {"get", "/v1/pods/{id}/workspace", "200"},
    {"post", "/v1/pods/{id}/tools/{tool}", "200"},
    {"get", "/v1/pods/{id}/approvals", "200"},
    {"post", "/v1/pods/{id}/approvals/{approval_id}", "200"},
    {"post", "/v1/pods/{id}/approvals/{approval_id}/withdraw", "200"},
    {"get", "/v1/health", "200", false},
    {"get", "/metrics", "200"},
    {"post", "/v1/pods/{id}/mcp", "200"},
    {"get", "/v1/pods/{id}/mcp", "405"},
    {"delete", "/v1/pods/{id}/mcp", "204"},
};

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(NUCLEUS_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node load_openapi() { return YAML::LoadFile(std::string(NUCLEUS_SOURCE_DIR) + "/docs/openapi.yaml"); }

TEST(NodeOpenApi, TableMatchesRegisteredRoutes) {
  // One server.Get/Post/Put/Delete call per route. A new route in
  // http_api.cpp changes the count, and then kRoutes and openapi.yaml need
  // the new route too.
  const std::string source = read_source("src/node/http_api.cpp") + read_source("src/node/mcp_route.cpp");
  ASSERT_FALSE(source.empty()) << "cannot read src/node/http_api.cpp";
  const std::regex registration(R"(server\.(Get|Post|Put|Delete)\()");
  const auto count = std::distance(std::sregex_iterator(source.begin(), source.end(), registration),
                                   std::sregex_iterator());
  EXPECT_EQ(static_cast<std::size_t>(count), kRoutes.size());
}

TEST(NodeOpenApi, DescribesEveryRoute) {
  const YAML::Node doc = load_openapi();
  EXPECT_EQ(doc["openapi"].as<std::string>(), "3.0.3");
  const YAML::Node paths = doc["paths"];
  ASSERT_TRUE(paths.IsMap());
  for (const Route& route : kRoutes) {
    const YAML::Node item = paths[route.path];
    ASSERT_TRUE(item.IsMap()) << route.path << " is missing under paths";
    const YAML::Node operation = item[route.method];
    ASSERT_TRUE(operation.IsMap()) << route.method << " " << route.path << " is missing";
    const YAML::Node responses = operation["responses"];
    ASSERT_TRUE(responses.IsMap()) << route.method << " " << route.path << " has no responses";
    EXPECT_TRUE(responses[route.success].IsDefined()) << route.method << " " << route.path << " lacks " << route.success;
    EXPECT_EQ(responses["401"].IsDefined(), route.needs_token) << route.method << " " << route.path;
  }
}

TEST(NodeOpenApi, DescribesNoOtherRoute) {
  const YAML::Node doc = load_openapi();
  std::set<std::pair<std::string, std::string>> served;
  for (const Route& route : kRoutes) served.insert({route.method, route.path});
  for (const auto& item : doc["paths"]) {
    const std::string path = item.first.as<std::string>();
    for (const auto& entry : item.second) {
      const std::string key = entry.first.as<std::string>();
      if (key == "parameters" || key == "summary" || key == "description") continue;
      EXPECT_EQ(served.count({key, path}), 1u) << key << " " << path << " is documented but not served";
    }
  }
}

TEST(NodeOpenApi, BearerSecurity) {
  const YAML::Node doc = load_openapi();
  const YAML::Node bearer = doc["components"]["securitySchemes"]["bearer"];
  ASSERT_TRUE(bearer.IsMap());
  EXPECT_EQ(bearer["type"].as<std::string>(), "http");
  EXPECT_EQ(bearer["scheme"].as<std::string>(), "bearer");
  ASSERT_TRUE(doc["security"].IsSequence());
  EXPECT_TRUE(doc["security"][0]["bearer"].IsDefined());
  // The health check is the one route without a token.
  const YAML::Node health_security = doc["paths"]["/v1/health"]["get"]["security"];
  ASSERT_TRUE(health_security.IsSequence());
  EXPECT_EQ(health_security.size(), 0u);
  for (const char* schema : {"PodStatus", "Error"}) {
    EXPECT_TRUE(doc["components"]["schemas"][schema].IsMap()) << schema;
  }
}

}  // namespace
}  // namespace nucleus::node::testing
