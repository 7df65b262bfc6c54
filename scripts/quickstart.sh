#!/usr/bin/env bash
# The main job: the Kubernetes quickstart, end to end, on this machine.
# Installs dependencies, builds, starts a local nucleus-node on the
# namespace driver, and drives it the way the quickstart does. First the
# quickstart's sandbox.yaml is posted with curl. Then a fix-issue pod
# edits, tests, commits and pushes a real git repository to a git server
# on loopback through the egress proxy, and the trifecta approvals are
# granted. Everything it starts is stopped and removed on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release >/dev/null
bin="$root/build/release/src"
nucleus="$bin/nucleus"

work=$(mktemp -d /tmp/nucleus-quickstart.XXXXXX)
export NUCLEUS_NODE_STATE_DIR="$work/state"
node_pid=""
git_pid=""
pods=()

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$'; printf ' %s' "$@"; printf '\n'; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }

cleanup() {
  local status=$?
  for pod in "${pods[@]}"; do "$nucleus" pods delete "$pod" >/dev/null 2>&1 || true; done
  # wait reports the signal that ended each process; that is expected here.
  if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  if [ -n "$git_pid" ]; then kill "$git_pid" 2>/dev/null || true; wait "$git_pid" 2>/dev/null || true; fi
  if [ $status -ne 0 ]; then
    echo "quickstart: failed; the node's log follows" >&2
    tail -n 40 "$work/node.log" >&2 || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

# Calls a tool and shows the outcome. Exit status 0 is allow, 3 approval
# required and 4 deny; only other statuses stop the script.
tool() {
  local status=0
  show nucleus tool "$@"
  "$nucleus" tool "$@" || status=$?
  case "$status" in 0|3|4) ;; *) echo "quickstart: nucleus tool failed with status $status" >&2; exit 1 ;; esac
}

wait_running() {
  for _ in $(seq 1 100); do
    phase=$("$nucleus" pods get "$1" | json_field phase)
    [ "$phase" = running ] && return 0
    sleep 0.1
  done
  echo "quickstart: pod $1 is $phase, not running" >&2
  exit 1
}

# Waits until the pod has a pending approval, then shows the trifecta box
# and grants it, as a human at the terminal would.
approve_when_pending() {
  local token
  token=$(cat "$NUCLEUS_NODE_STATE_DIR/tokens/agent")
  for _ in $(seq 1 100); do
    if curl -sf -H "Authorization: Bearer $token" "$NUCLEUS_NODE_URL/v1/pods/$1/approvals" | grep -q approval_id; then
      show nucleus approve "$1" --yes
      "$nucleus" approve "$1" --yes
      return 0
    fi
    sleep 0.1
  done
  echo "quickstart: no approval request arrived for pod $1" >&2
  exit 1
}

step "Start nucleus-node with the namespace driver"
port=$(free_port 127.0.0.1)
export NUCLEUS_NODE_URL="http://127.0.0.1:$port"
show nucleus-node --listen "127.0.0.1:$port" --allow-plain-http
"$bin/nucleus-node" --listen "127.0.0.1:$port" --allow-plain-http >"$work/node.log" 2>&1 &
node_pid=$!
until curl -sf "$NUCLEUS_NODE_URL/v1/health" >/dev/null; do
  kill -0 "$node_pid" 2>/dev/null || { echo "quickstart: nucleus-node exited" >&2; exit 1; }
  sleep 0.1
done
curl -s "$NUCLEUS_NODE_URL/v1/health"; echo
token=$(cat "$NUCLEUS_NODE_STATE_DIR/tokens/agent")

step "A real git repository as the workspace, and a git server on loopback"
project="$work/project"
mkdir -p "$project"
cat >"$project/calc.py" <<'PY'
def add(a, b):
    return a - b
PY
cat >"$project/test_calc.py" <<'PY'
import unittest

from calc import add


class AddTest(unittest.TestCase):
    def test_adds(self):
        self.assertEqual(add(2, 3), 5)


if __name__ == "__main__":
    unittest.main()
PY
printf '__pycache__/\n' >"$project/.gitignore"
git_as_user=(git -c user.name="Quickstart" -c user.email="quickstart@example.com")
git -C "$project" init -q -b main
"${git_as_user[@]}" -C "$project" add -A
"${git_as_user[@]}" -C "$project" commit -q -m "Add calc with a failing test"
mkdir -p "$work/git"
git init -q --bare -b main "$work/git/calc.git"
git -C "$work/git/calc.git" config http.receivepack true
python3 "$root/scripts/git-http-server.py" "$work/git" --host 127.0.0.2 >"$work/git.port" 2>"$work/git.log" &
git_pid=$!
until [ -s "$work/git.port" ]; do sleep 0.05; done
git_url="http://127.0.0.2:$(head -n 1 "$work/git.port")/calc.git"
git -C "$project" push -q "$git_url" main
git -C "$project" log --oneline
echo "git server: $git_url"

step "1. Create the quickstart's sandbox with curl, then upload the workspace"
cd "$root/examples"
show curl -X POST "http://localhost:$port/v1/pods" -H "Content-Type: application/yaml" \
  -H "Authorization: Bearer \$TOKEN" -d @sandbox.yaml
reply=$(curl -sS -X POST "http://localhost:$port/v1/pods" -H "Content-Type: application/yaml" \
  -H "Authorization: Bearer $token" -d @sandbox.yaml)
echo "$reply"
review=$(echo "$reply" | json_field id)
pods+=("$review")
cd "$root"
wait_running "$review"
show curl -X PUT "$NUCLEUS_NODE_URL/v1/pods/$review/workspace" -H "Content-Type: application/x-tar" --data-binary @-
tar -c -C "$project" . | curl -sS -X PUT "$NUCLEUS_NODE_URL/v1/pods/$review/workspace" \
  -H "Authorization: Bearer $token" -H "Content-Type: application/x-tar" --data-binary @-
echo

step "2. Under code-review: reads and greps succeed"
tool "$review" read path=calc.py
tool "$review" grep pattern='def add' path=.

step "2. Under code-review: a write, a shell command and a web fetch are denied"
tool "$review" write path=calc.py content='print("pwned")'
tool "$review" run command='python3 -m unittest -q'
tool "$review" web_fetch url=https://api.openai.com/v1/models

step "3. A fix-issue pod whose dns_allow names the git server"
cat >"$work/fix-issue.yaml" <<YAML
apiVersion: nucleus.io/v1
kind: PodSpec
metadata:
  name: fix-issue-agent
spec:
  profile: fix-issue
  work_dir: /workspace
  timeout_seconds: 900
  network:
    dns_allow:
      - "127.0.0.2:$(head -n 1 "$work/git.port")"
YAML
cat "$work/fix-issue.yaml"
show nucleus pods create -f fix-issue.yaml --workspace "$project"
fix=$("$nucleus" pods create -f "$work/fix-issue.yaml" --workspace "$project" | tail -n 1)
pods+=("$fix")
echo "pod: $fix"

step "3. The agent fixes the bug and runs the tests (shell access completes the trifecta: approval)"
tool "$fix" edit path=calc.py old_string='a - b' new_string='a + b'
tool "$fix" run command='python3 -m unittest -q' &
approve_when_pending "$fix"
wait $!
tool "$fix" git_commit message='Fix add: return the sum'

step "3. git_push triggers the trifecta approval; the human approves"
tool "$fix" git_push remote="$git_url" branch=main &
approve_when_pending "$fix"
wait $!
echo "The bare repository on the git server now has:"
git -C "$work/git/calc.git" log --oneline main

step "4. Audit logs verify; budgets and audit summaries"
for pod in "$review" "$fix"; do
  show nucleus audit verify "$pod"
  "$nucleus" audit verify "$pod"
done
show nucleus pods list
"$nucleus" pods list
echo
echo "quickstart: done"
