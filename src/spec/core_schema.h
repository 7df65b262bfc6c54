// Tag resolution for plain scalars under the YAML 1.2 core schema.
// yaml-cpp's event API reports plain scalars as untagged text (except
// null), so the tree resolves their types itself.
#pragma once

#include <string_view>

#include "spec/yaml_tree.h"

namespace nucleus::spec {

// ~, null, Null, NULL and the empty string.
bool is_core_null(std::string_view text);

// true, True, TRUE, false, False, FALSE (not yes/no/on/off, as in YAML 1.1).
bool is_core_bool(std::string_view text);

// [-+]?[0-9]+, 0o[0-7]+ or 0x[0-9a-fA-F]+.
bool is_core_int(std::string_view text);

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?\.(inf|Inf|INF)
// or \.(nan|NaN|NAN). Every core integer in decimal form matches too.
bool is_core_float(std::string_view text);

// The type of an untagged plain scalar that is not null: boolean, then
// integer, then float, and string for anything else.
ScalarType resolve_plain_scalar(std::string_view text);

}  // namespace nucleus::spec
