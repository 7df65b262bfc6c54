// An error response of the HTTP API: status, short snake_case code, sentence.
#pragma once

#include <string>

namespace nucleus::node {

struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
};

}  // namespace nucleus::node
