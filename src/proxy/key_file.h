// Loading secrets (HMAC keys, forge tokens) from files that only their
// owner can read.
#pragma once

#include <string>

#include "common/result.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

// Read a secret file: a regular file, not a symlink, at most 64 KiB, with no
// group or other permission bits (mode 0600 or 0400). One trailing newline
// is removed. Errors name the file and what to fix; they never contain the
// file's content.
Result<std::string> read_secret_file(const std::string& path);

// read_secret_file, then SecretKey::from_bytes (at least 32 bytes).
Result<SecretKey> load_key_file(const std::string& path);

}  // namespace nucleus::proxy
