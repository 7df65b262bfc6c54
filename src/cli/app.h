// The `nucleus` command line: argument parsing and dispatch to verbs.
#pragma once

namespace nucleus::cli {

// Exit statuses shared by every verb.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;  // invalid arguments or input documents
inline constexpr int kExitApprovalRequired = 3;
inline constexpr int kExitDenied = 4;

int run(int argc, char** argv);

}  // namespace nucleus::cli
