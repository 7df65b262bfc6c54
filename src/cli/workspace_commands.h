// The `nucleus workspace pull` verb: download a pod's workspace as a tar
// archive and extract it into a local directory.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/node_client.h"

namespace nucleus::cli {

// Creates `dir` when missing. A non-empty `dir` is rejected (exit 2, nothing
// requested) unless `force`, in which case files from the archive replace
// files of the same name and other files stay.
int run_workspace_pull(const NodeClient& client, const std::string& pod_id, const std::string& dir,
                       bool force, std::ostream& out, std::ostream& err);

}  // namespace nucleus::cli
