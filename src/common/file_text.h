// Reading a small file whole, for state and kernel files whose absence or
// unreadability the caller treats as empty.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace nucleus {

// The file's bytes, or "" when it cannot be opened.
inline std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace nucleus
