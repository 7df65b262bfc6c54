// Positions inside a literal block scalar ("pod.yaml: |"), mapped back to
// the file that contains it, so errors in an embedded document point at
// the outer file's lines and columns.
#pragma once

#include <optional>
#include <string_view>

#include "spec/line_index.h"
#include "spec/source_error.h"

namespace nucleus::spec {

struct BlockOrigin {
  int first_line = 1;  // source line of the scalar's first content line
  int indent = 0;      // bytes of indentation removed from every content line
};

// The origin of the literal block scalar whose node yaml-cpp marked at
// `value_mark` in the indexed source (at the '|' or at a tag before it). Returns
// nullopt for plain, quoted and folded scalars, whose lines do not map one
// to one, and for a block with no content. `key_column` is the column of
// the scalar's mapping key: an explicit indentation indicator ("|2") counts
// from the key's indentation.
std::optional<BlockOrigin> find_literal_block(const LineIndex& source, SourceMark value_mark,
                                              int key_column);

// The source position of position `inner` in the scalar's value: content
// line L is source line first_line + L - 1, shifted right by the indent.
SourceMark map_from_block(const BlockOrigin& origin, SourceMark inner);

}  // namespace nucleus::spec
