// Formatting failed system calls as "CALL(ARG) failed: strerror(errno)".
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace nucleus {

inline std::string syscall_error(std::string_view call, std::string_view argument, int error_number = errno) {
  std::string out(call);
  out += "(\"";
  out += argument;
  out += "\") failed: ";
  out += std::strerror(error_number);
  return out;
}

}  // namespace nucleus
