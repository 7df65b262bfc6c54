// decide() latency under the fix-issue profile, with glibc fnmatch over the
// same patterns as a baseline measured in the same run.
#include <benchmark/benchmark.h>
#include <fnmatch.h>

#include <string>
#include <vector>

#include "policy/policy.h"
#include "policy/profiles.h"
#include "policy/serialize.h"
#include "policy/shell.h"

namespace {

using namespace nucleus::policy;

const Policy& fix_issue() {
  static const Policy policy =
      Policy::make("profile fix-issue", "/workspace", profile_envelope("fix-issue", "/workspace"));
  return policy;
}

std::vector<std::string> fix_issue_patterns() {
  std::vector<std::string> patterns;
  for (const auto& term : fix_issue().envelope().paths.terms()) {
    for (const auto& atom : term) {
      for (const Glob& glob : atom.globs) patterns.push_back(glob.text());
    }
  }
  return patterns;
}

void BM_DecidePath(benchmark::State& state) {
  const Target target = Target::path("/workspace/src/components/widgets/button/index.tsx");
  for (auto _ : state) {
    Decision d = decide(fix_issue(), Operation::read_files, target);
    benchmark::DoNotOptimize(d);
  }
  state.counters["patterns"] = static_cast<double>(fix_issue_patterns().size());
}
BENCHMARK(BM_DecidePath);

void BM_DecideCommand10Tokens(benchmark::State& state) {
  const Target target = Target::command("git -C /workspace log --oneline -n 20 --author alice src");
  for (auto _ : state) {
    Decision d = decide(fix_issue(), Operation::run_bash, target);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecideCommand10Tokens);

// The shell analysis alone, to see how much of the command decision it is.
void BM_AnalyzeCommand10Tokens(benchmark::State& state) {
  const std::string line = "git -C /workspace log --oneline -n 20 --author alice src";
  for (auto _ : state) {
    auto analysis = analyze_command(line);
    benchmark::DoNotOptimize(analysis);
  }
}
BENCHMARK(BM_AnalyzeCommand10Tokens);

void BM_DecideUrl(benchmark::State& state) {
  Envelope e = profile_envelope("fix-issue", "/workspace");
  e.egress.allow.insert(EgressRule::parse("api.github.com:443").value());
  const Policy policy = Policy::make("pod bench", "/workspace", e);
  const Target target = Target::url("https://api.github.com/repos/o/r/pulls");
  for (auto _ : state) {
    Decision d = decide(policy, Operation::web_fetch, target);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DecideUrl);

// Baseline: glibc fnmatch(FNM_PATHNAME) over the same pattern texts. It
// treats "**" like "*", so it is a cost reference, not the same semantics.
void BM_BaselineFnmatchPath(benchmark::State& state) {
  const std::vector<std::string> patterns = fix_issue_patterns();
  const char* path = "/workspace/src/components/widgets/button/index.tsx";
  for (auto _ : state) {
    int matched = 0;
    for (const std::string& p : patterns) matched += fnmatch(p.c_str(), path, FNM_PATHNAME) == 0;
    benchmark::DoNotOptimize(matched);
  }
}
BENCHMARK(BM_BaselineFnmatchPath);

void BM_PolicyChecksum(benchmark::State& state) {
  for (auto _ : state) {
    std::string sum = fix_issue().checksum();
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_PolicyChecksum);

}  // namespace

BENCHMARK_MAIN();
