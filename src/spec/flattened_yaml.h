// Restoring the line breaks of a YAML pod document that lost them.
//
// `curl -d @file` strips every CR and LF from the file it sends, so the
// quickstart's `curl -X POST ... -d @sandbox.yaml` delivers one line: the
// leading "# sandbox.yaml" comment then swallows the whole document.
// Indentation survives as runs of spaces, and the keys of the documents
// Nucleus reads are known, so the line structure can be rebuilt:
//   - before a run of two or more spaces followed by a known key and ':',
//     a "- " sequence entry or a '#' comment (the spaces are the indent);
//   - between a word and a top-level key glued to it (apiVersion, kind,
//     metadata, data, spec), as in "v1kind:" or "ConfigMapmetadata:";
//   - around a "---" document separator glued to a top-level key.
// NOTE: keys the documents leave free (label and annotation names) are not
// known, so their lines stay glued, and a value that contains two spaces
// followed by a known key and ':' would be split. Such bodies must be sent
// with their line breaks (curl --data-binary).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nucleus::spec {

// The restored text, or nullopt when `body` already has a line break (or
// nothing to restore), in which case it must be parsed as it is.
std::optional<std::string> restore_line_breaks(std::string_view body);

}  // namespace nucleus::spec
