#include "proxy/file_tools.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include <fmt/format.h>

#include "common/errno_text.h"
#include "proxy/text_encoding.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {

using nlohmann::json;
using policy::Operation;

namespace {

constexpr std::size_t kReadChunkBytes = 1 << 20;

std::size_t count_occurrences(std::string_view haystack, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

std::string replace_occurrences(std::string_view text, std::string_view from, std::string_view to,
                                bool all) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t pos = text.find(from); pos != std::string_view::npos;
       pos = text.find(from, start)) {
    out.append(text.substr(start, pos - start)).append(to);
    start = pos + from.size();
    if (!all) break;
  }
  out.append(text.substr(start));
  return out;
}

// The bytes read() returns: the whole range, or, when the range stops
// inside a UTF-8 sequence before the end of the file, the range without
// that incomplete tail, as long as what is left is text.
std::string_view returned_range(std::string_view bytes, bool more_follows) {
  if (!more_follows) return bytes;
  const std::string_view complete = bytes.substr(0, text::complete_utf8_length(bytes));
  if (!complete.empty() && complete.size() < bytes.size() && text::is_valid_utf8(complete)) {
    return complete;
  }
  return bytes;
}

}  // namespace

ToolOutcome<std::string> read_bytes(int fd, std::uint64_t offset, std::size_t max_bytes,
                                    const std::string& path) {
  std::string out;
  while (out.size() < max_bytes) {
    const std::size_t old_size = out.size();
    const std::size_t chunk = std::min(max_bytes - old_size, kReadChunkBytes);
    out.resize(old_size + chunk);
    const ssize_t got = ::pread(fd, out.data() + old_size, chunk,
                                static_cast<off_t>(offset + old_size));
    if (got < 0) {
      out.resize(old_size);
      if (errno == EINTR) continue;
      return ToolError{ToolError::Kind::failed, syscall_error("pread", path)};
    }
    out.resize(old_size + static_cast<std::size_t>(got));
    if (got == 0) break;
  }
  return out;
}

ToolResult read_tool(const Workspace& workspace, const PathCheck& check, const json& arguments) {
  const Limits& limits = workspace.limits();
  ToolArguments args(arguments, {"path", "offset", "limit"});
  const std::string path = args.required_string("path");
  const std::uint64_t offset =
      args.optional_integer("offset", 0, std::numeric_limits<std::int64_t>::max()).value_or(0);
  const std::uint64_t limit =
      args.optional_integer("limit", 0, std::numeric_limits<std::uint64_t>::max())
          .value_or(limits.max_read_bytes);
  if (args.error()) return *args.error();

  auto opened = workspace.open_file(path, Operation::read_files, check, Access::read,
                                    Symlinks::follow_inside);
  if (auto* error = std::get_if<ToolError>(&opened)) return *error;
  const OpenedEntry& file = std::get<OpenedEntry>(opened);

  const auto size = static_cast<std::uint64_t>(file.status.st_size);
  const std::size_t max_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(
      {limit, limits.max_read_bytes, offset < size ? size - offset : 0}));
  auto read = read_bytes(file.fd.get(), offset, max_bytes, file.path);
  if (auto* error = std::get_if<ToolError>(&read)) return *error;
  const std::string& bytes = std::get<std::string>(read);

  const std::string_view content = returned_range(bytes, offset + bytes.size() < size);
  const bool is_text = text::is_valid_utf8(content);
  return json{
      {"path", text::to_valid_utf8(file.path)},
      {"content", is_text ? std::string(content) : text::base64_encode(content)},
      {"encoding", is_text ? "utf-8" : "base64"},
      {"sha256", text::sha256_hex(content)},
      {"size", size},
      {"bytes", content.size()},
      {"truncated", offset + content.size() < size},
  };
}

ToolResult write_tool(const Workspace& workspace, const PathCheck& check, const json& arguments) {
  ToolArguments args(arguments, {"path", "content", "encoding"});
  const std::string path = args.required_string("path");
  std::string content = args.required_string("content");
  const std::string encoding = args.optional_string("encoding").value_or("utf-8");
  if (args.error()) return *args.error();

  if (encoding == "base64") {
    auto decoded = text::base64_decode(content);
    if (!decoded) {
      return tool_error(ToolError::Kind::invalid_argument,
                        "argument \"content\" is not valid padded base64 (RFC 4648, no "
                        "whitespace)");
    }
    content = std::move(*decoded);
  } else if (encoding != "utf-8") {
    return tool_error(ToolError::Kind::invalid_argument,
                      fmt::format("argument \"encoding\" must be \"utf-8\" or \"base64\", got {}",
                                  json(encoding).dump()));
  }

  auto written = workspace.replace_file(path, Operation::write_files, check, content);
  if (auto* error = std::get_if<ToolError>(&written)) return *error;
  return json{
      {"path", text::to_valid_utf8(std::get<std::string>(written))},
      {"bytes", content.size()},
      {"sha256", text::sha256_hex(content)},
  };
}

ToolResult edit_tool(const Workspace& workspace, const PathCheck& check, const json& arguments) {
  const Limits& limits = workspace.limits();
  ToolArguments args(arguments, {"path", "old_string", "new_string", "replace_all"});
  const std::string path = args.required_string("path");
  const std::string old_string = args.required_string("old_string");
  const std::string new_string = args.required_string("new_string");
  const bool replace_all = args.optional_bool("replace_all", false);
  if (args.error()) return *args.error();
  if (old_string.empty()) {
    return tool_error(ToolError::Kind::invalid_argument,
                      "argument \"old_string\" is empty; use write to create or overwrite a file");
  }
  if (old_string == new_string) {
    return tool_error(ToolError::Kind::invalid_argument,
                      "old_string and new_string are identical, so there is nothing to change");
  }

  auto opened = workspace.open_file(path, Operation::edit_files, check, Access::modify,
                                    Symlinks::follow_inside);
  if (auto* error = std::get_if<ToolError>(&opened)) return *error;
  const OpenedEntry& file = std::get<OpenedEntry>(opened);
  const std::string shown_path = text::to_valid_utf8(file.path);

  // Reading one byte past the limit separates a file at the limit from a larger one.
  auto read = read_bytes(file.fd.get(), 0, limits.max_write_bytes + 1, file.path);
  if (auto* error = std::get_if<ToolError>(&read)) return *error;
  const std::string& content = std::get<std::string>(read);
  if (content.size() > limits.max_write_bytes) {
    return tool_error(ToolError::Kind::too_large,
                      fmt::format("{} is larger than {} bytes, the maximum edit handles",
                                  shown_path, limits.max_write_bytes));
  }

  const std::size_t occurrences = count_occurrences(content, old_string);
  if (occurrences == 0) {
    return tool_error(ToolError::Kind::conflict, fmt::format("old_string not found in {}", shown_path));
  }
  if (occurrences > 1 && !replace_all) {
    return tool_error(ToolError::Kind::conflict,
                      fmt::format("old_string occurs {} times in {}; pass replace_all or a longer "
                                  "old_string",
                                  occurrences, shown_path));
  }

  const std::string updated = replace_occurrences(content, old_string, new_string, replace_all);
  auto written = workspace.replace_file(file.path, Operation::edit_files, check, updated);
  if (auto* error = std::get_if<ToolError>(&written)) return *error;
  return json{
      {"path", text::to_valid_utf8(std::get<std::string>(written))},
      {"replacements", replace_all ? occurrences : 1},
  };
}

}  // namespace nucleus::proxy
