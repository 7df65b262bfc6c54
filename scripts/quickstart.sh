#!/usr/bin/env bash
# The main job: install dependencies, build, and walk through the quickstart's
# policies with the `nucleus` CLI: every profile, the effective policy of each
# quickstart document, and the decisions the quickstart's tables promise.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release >/dev/null
nucleus="$root/build/release/src/nucleus"
examples="$root/examples"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Runs a policy check and prints its verdict. The exit status encodes the
# verdict (0 allow, 3 approval required, 4 deny), so it is not an error here.
check() {
  local status=0
  printf '$ nucleus policy check'
  printf ' %q' "$@"
  printf '\n'
  "$nucleus" policy check "$@" || status=$?
  case "$status" in 0|3|4) ;; *) echo "quickstart: unexpected exit status $status" >&2; exit 1 ;; esac
}

step "Built-in profiles"
"$nucleus" profiles

step "The quickstart's sandbox.yaml (ConfigMap carrying a code-review PodSpec)"
"$nucleus" policy show "$examples/sandbox.yaml"

step "Decisions under code-review: reads allowed, writes, commands and fetches denied"
check "$examples/sandbox.yaml" read_files --path /workspace/src/main.rs
check "$examples/sandbox.yaml" grep_search --path /workspace
check "$examples/sandbox.yaml" write_files --path /workspace/src/main.rs
check "$examples/sandbox.yaml" run_bash --command "cargo test"
check "$examples/sandbox.yaml" web_fetch --url https://api.openai.com/v1/models

step "The roadmap NucleusSandbox (fix-issue with a budget and blocked paths)"
"$nucleus" policy show "$examples/nucleus-sandbox.yaml"

step "Decisions under fix-issue: the trifecta gates exfiltration"
check "$examples/nucleus-sandbox.yaml" edit_files --path /workspace/src/lib.rs
check "$examples/nucleus-sandbox.yaml" read_files --path /workspace/.env
check "$examples/nucleus-sandbox.yaml" git_commit
check "$examples/nucleus-sandbox.yaml" git_push
check "$examples/nucleus-sandbox.yaml" run_bash --command "pytest -q"

step "Demo profile: shell interpreters are blocked, other commands are not"
check demo run_bash --command "ls -la"
check demo run_bash --command "env nice -n 5 python3 -c 'print(1)'"

step "Delegation: a fix-issue request under a code-review parent"
"$nucleus" policy delegate code-review fix-issue

step "The DaemonSet carries no policy, and says so"
"$nucleus" policy show "$examples/nucleus-node-daemonset.yaml" || true
