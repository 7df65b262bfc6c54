#include "cli/node_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nucleus::cli {

namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

void initialize_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Receives body bytes: to the sink while the status is 200, else into body.
struct Receiver {
  CURL* handle = nullptr;
  const std::function<void(std::string_view)>* sink = nullptr;
  std::string body;
};

std::size_t receive(char* data, std::size_t size, std::size_t count, void* context) {
  auto* receiver = static_cast<Receiver*>(context);
  const std::size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(receiver->handle, CURLINFO_RESPONSE_CODE, &status);
  if (receiver->sink != nullptr && status == 200) {
    (*receiver->sink)(std::string_view(data, bytes));
  } else {
    receiver->body.append(data, bytes);
  }
  return bytes;
}

std::string transport_error(const std::string& url, CURLcode code, const char* detail) {
  const std::string reason = *detail != '\0' ? detail : curl_easy_strerror(code);
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST) {
    return fmt::format(
        "cannot connect to the nucleus-node at {} ({}). Start a node with `nucleus-node`, or point "
        "--node or NUCLEUS_NODE_URL at a running one",
        url, reason);
  }
  return fmt::format("request to the nucleus-node at {} failed: {}", url, reason);
}

}  // namespace

NodeClient::NodeClient(NodeEndpoint endpoint) : endpoint_(std::move(endpoint)) { initialize_curl_once(); }

namespace {

Result<HttpResponse> perform(const NodeEndpoint& endpoint, const HttpRequest& request,
                             const std::function<void(std::string_view)>* sink) {
  CurlHandle handle(curl_easy_init());
  if (!handle) return make_error("curl_easy_init failed");
  CURL* curl = handle.get();
  const std::string url = endpoint.url + request.path;

  HeaderList headers;
  const std::string& token = request.role == TokenRole::agent ? endpoint.token : endpoint.approver_token;
  auto add_header = [&headers](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  if (!token.empty()) add_header("Authorization: Bearer " + token);
  // An empty value stops curl from adding application/x-www-form-urlencoded to a POST.
  add_header("Content-Type:" + (request.content_type.empty() ? "" : " " + request.content_type));
  add_header("Expect:");  // send bodies at once, without waiting for 100 Continue

  Receiver receiver{curl, sink, {}};
  char detail[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receive);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &receiver);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return make_error(transport_error(endpoint.url, code, detail));
  HttpResponse response;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  response.body = std::move(receiver.body);
  return response;
}

}  // namespace

Result<HttpResponse> NodeClient::send(const HttpRequest& request) const {
  return perform(endpoint_, request, nullptr);
}

Result<HttpResponse> NodeClient::stream(const std::string& path,
                                        const std::function<void(std::string_view)>& sink) const {
  HttpRequest request;
  request.path = path;
  return perform(endpoint_, request, &sink);
}

std::string NodeClient::describe_failure(const HttpResponse& response, TokenRole role) const {
  std::string code;
  std::string message;
  const auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    code = parsed["error"].value("code", "");
    message = parsed["error"].value("message", "");
  }
  if (message.empty()) message = response.body.empty() ? "no response body" : response.body;
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  std::string line = fmt::format("the node at {} returned HTTP {}", endpoint_.url, response.status);
  line += code.empty() ? ": " + message : fmt::format(" ({}): {}", code, message);
  if (response.status == 401) {
    const bool agent = role == TokenRole::agent;
    line += fmt::format(
        ". The {} token used was from {}. Give the right one with {} or {}, or make "
        "$NUCLEUS_NODE_STATE_DIR/tokens/{} (default {}/tokens/{}) readable",
        agent ? "agent" : "approver", agent ? endpoint_.token_source : endpoint_.approver_token_source,
        agent ? "--token" : "--approver-token", agent ? "NUCLEUS_NODE_TOKEN" : "NUCLEUS_NODE_APPROVER_TOKEN",
        agent ? "agent" : "approver", kDefaultNodeStateDir, agent ? "agent" : "approver");
  }
  return line;
}

std::string path_segment(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    encoded += unreserved ? std::string(1, c) : fmt::format("%{:02X}", byte);
  }
  return encoded;
}

}  // namespace nucleus::cli
