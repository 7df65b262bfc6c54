// The box `nucleus approve` draws around one pending approval: which legs of
// the trifecta (private data, untrusted content, exfiltration) the agent
// holds, and the exact operation, tool and arguments it is waiting on.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nucleus::cli {

inline constexpr std::size_t kApprovalBoxWidth = 64;  // columns inside the borders

// Lines inside the box, unwrapped: the header, the capabilities from
// `capabilities` (operation name to level) that are not "never", then the
// operation, tool, arguments as JSON, reason and the question.
std::vector<std::string> approval_box_lines(const nlohmann::json& approval, const nlohmann::json& capabilities);

// Draws `lines` in a box with ┌ ─ ┐ │ └ ┘, wrapping lines wider than `width`
// terminal columns and padding each to `width`.
std::string draw_box(const std::vector<std::string>& lines, std::size_t width = kApprovalBoxWidth);

// Terminal columns of UTF-8 `text`: 2 for wide and emoji code points and
// for a character followed by U+FE0F, 0 for combining marks, else 1.
std::size_t display_width(std::string_view text);

}  // namespace nucleus::cli
