#include "proxy/git_tools.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "proxy/git_command.h"
#include "proxy/process.h"
#include "proxy/text_encoding.h"
#include "test_http_server.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kWorkDir = "/workspace";
constexpr const char* kToken = "ghp_secretTOKEN0123456789";

// A work repository, a bare remote and the proxy's private directory, all
// in one temp dir. Setup commands run through /bin/sh with git identity
// set and no system or global git config.
class GitToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "git-tools-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = fs::canonical(pattern).string();
    work_ = root_ + "/work";
    remote_ = root_ + "/remote.git";
    private_ = root_ + "/private";
    ASSERT_EQ(::mkdir(private_.c_str(), 0700), 0);
    shell("git init -q -b main work && git init -q --bare -b main remote.git", root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string shell(const std::string& command, const std::string& cwd) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", command};
    spec.cwd = cwd;
    spec.env = {"PATH=/usr/bin:/bin",      "HOME=" + root_,
                "GIT_CONFIG_NOSYSTEM=1",   "GIT_AUTHOR_NAME=Setup",
                "GIT_AUTHOR_EMAIL=s@x",    "GIT_COMMITTER_NAME=Setup",
                "GIT_COMMITTER_EMAIL=s@x", "LC_ALL=C"};
    auto result = run_process(spec);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
    if (!result.ok()) return {};
    EXPECT_EQ(result->exit_code, 0) << command << "\n" << result->stderr_data;
    return result->stdout_data;
  }

  std::string git_output(const std::string& command) {
    std::string out = shell(command, work_);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void write_file(const std::string& relative, const std::string& content) {
    fs::create_directories(fs::path(work_ + "/" + relative).parent_path());
    std::ofstream(work_ + "/" + relative, std::ios::binary) << content;
  }

  // A hook or helper script that leaves a marker file when it runs.
  std::string marker_script(const std::string& name) {
    const std::string path = root_ + "/" + name + ".sh";
    std::ofstream(path) << "#!/bin/sh\ntouch " << root_ << "/" << name << ".ran\ncat\n";
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    return path;
  }

  bool ran(const std::string& name) const { return fs::exists(root_ + "/" + name + ".ran"); }

  GitConfig config() const {
    GitConfig config;
    config.work_dir = kWorkDir;
    config.private_dir = private_;
    config.allow_file_remotes = true;
    return config;
  }

  ResolveDir resolver() const {
    return [work = work_](const std::string& agent_path) -> Result<std::string> {
      if (agent_path != kWorkDir) return make_error("unexpected path " + agent_path);
      return work;
    };
  }

  // On a make() failure, value() throws and GoogleTest fails the test.
  GitTools make_tools(const GitConfig& config) const {
    auto tools = GitTools::make(config, resolver());
    if (!tools.ok()) ADD_FAILURE() << tools.error();
    return std::move(tools.value());
  }

  static json expect_ok(const ToolResult& result) {
    if (auto* error = std::get_if<ToolError>(&result)) {
      ADD_FAILURE() << to_string(error->kind) << ": " << error->message;
      return json::object();
    }
    return std::get<json>(result);
  }

  static ToolError expect_error(const ToolResult& result) {
    if (!is_error(result)) {
      ADD_FAILURE() << "expected an error, got " << std::get<json>(result).dump();
      return {};
    }
    return std::get<ToolError>(result);
  }

  json commit_ok(const json& arguments) {
    return expect_ok(make_tools(config()).commit(arguments));
  }

  std::string root_;
  std::string work_;
  std::string remote_;
  std::string private_;
};

TEST_F(GitToolsTest, CommitStagesAllChanges) {
  write_file("a.txt", "alpha\n");
  write_file("dir/b.txt", "beta\n");
  const json result = commit_ok({{"message", "Add files\n\nWith a body."}});

  const std::string head = git_output("git rev-parse HEAD");
  EXPECT_EQ(result["commit"], head);
  EXPECT_EQ(head.size(), 40u);
  EXPECT_EQ(result["summary"], head.substr(0, 12) + " Add files (2 files changed)");
  EXPECT_EQ(git_output("git ls-tree -r --name-only HEAD"), "a.txt\ndir/b.txt");
  EXPECT_EQ(git_output("git log -1 --format=%B"), "Add files\n\nWith a body.");
  EXPECT_EQ(git_output("git status --porcelain"), "");
}

TEST_F(GitToolsTest, CommitUsesConfiguredIdentities) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "first"}});
  EXPECT_EQ(git_output("git log -1 --format='%an <%ae>'"), "Nucleus Agent <agent@nucleus.invalid>");
  EXPECT_EQ(git_output("git log -1 --format='%cn <%ce>'"),
            "Nucleus Tool Proxy <tool-proxy@nucleus.invalid>");

  write_file("a.txt", "changed\n");
  commit_ok({{"message", "second"},
             {"author_name", "Ada Lovelace"},
             {"author_email", "ada@example.org"}});
  EXPECT_EQ(git_output("git log -1 --format='%an <%ae>'"), "Ada Lovelace <ada@example.org>");
}

TEST_F(GitToolsTest, CommitWithPathsLeavesOtherChanges) {
  write_file("a.txt", "alpha\n");
  write_file("b.txt", "beta\n");
  commit_ok({{"message", "initial"}});
  write_file("a.txt", "alpha 2\n");
  write_file("b.txt", "beta 2\n");
  write_file("new.txt", "new\n");

  const json result =
      commit_ok({{"message", "only a and new"}, {"paths", {"/workspace/a.txt", "new.txt"}}});
  EXPECT_NE(result["summary"].get<std::string>().find("(2 files changed)"), std::string::npos);
  EXPECT_EQ(git_output("git show --name-only --format= HEAD"), "a.txt\nnew.txt");
  EXPECT_EQ(git_output("git status --porcelain"), " M b.txt");
}

TEST_F(GitToolsTest, CommitWithPathsStagesDeletion) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "initial"}});
  fs::remove(work_ + "/a.txt");
  commit_ok({{"message", "remove a"}, {"paths", {"a.txt"}}});
  EXPECT_EQ(git_output("git ls-tree -r --name-only HEAD"), "");
}

TEST_F(GitToolsTest, CommitPathsAreLiteral) {
  write_file("a.txt", "alpha\n");
  write_file("b.txt", "beta\n");
  // With pathspec magic "*.txt" would match both files.
  auto error =
      expect_error(make_tools(config()).commit({{"message", "glob"}, {"paths", {"*.txt"}}}));
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(git_output("git status --porcelain"), "?? a.txt\n?? b.txt");
}

TEST_F(GitToolsTest, NothingToCommitIsConflict) {
  auto empty = expect_error(make_tools(config()).commit({{"message", "empty"}}));
  EXPECT_EQ(empty.kind, ToolError::Kind::conflict);
  EXPECT_EQ(empty.message, "nothing to commit");

  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "initial"}});
  auto clean = expect_error(make_tools(config()).commit({{"message", "again"}}));
  EXPECT_EQ(clean.kind, ToolError::Kind::conflict);

  write_file("b.txt", "beta\n");
  auto unchanged_path =
      expect_error(make_tools(config()).commit({{"message", "a"}, {"paths", {"a.txt"}}}));
  EXPECT_EQ(unchanged_path.kind, ToolError::Kind::conflict);
}

TEST_F(GitToolsTest, CommitRejectsInvalidArguments) {
  struct Case {
    const char* name;
    json arguments;
    ToolError::Kind kind;
    const char* expected;
  };
  using Kind = ToolError::Kind;
  const std::vector<Case> cases = {
      {"missing message", json::object(), Kind::invalid_argument,
       "missing required argument \"message\""},
      {"blank message", {{"message", " \n\t"}}, Kind::invalid_argument, "\"message\" is empty"},
      {"message not a string", {{"message", 1}}, Kind::invalid_argument, "must be a string"},
      {"message with NUL",
       {{"message", std::string("a\0b", 3)}},
       Kind::invalid_argument,
       "NUL byte"},
      {"message too long",
       {{"message", std::string(70 * 1024, 'm')}},
       Kind::too_large,
       "over the limit"},
      {"unknown key",
       {{"message", "m"}, {"amend", true}},
       Kind::invalid_argument,
       "unknown argument"},
      {"paths not an array",
       {{"message", "m"}, {"paths", "a.txt"}},
       Kind::invalid_argument,
       "array of strings"},
      {"paths empty",
       {{"message", "m"}, {"paths", json::array()}},
       Kind::invalid_argument,
       "omit it"},
      {"path not a string",
       {{"message", "m"}, {"paths", {1}}},
       Kind::invalid_argument,
       "only strings"},
      {"absolute path outside",
       {{"message", "m"}, {"paths", {"/etc/passwd"}}},
       Kind::denied,
       "outside the work dir"},
      {"relative path escaping",
       {{"message", "m"}, {"paths", {"../x"}}},
       Kind::denied,
       "outside the work dir"},
      {"sibling prefix",
       {{"message", "m"}, {"paths", {"/workspace2/a"}}},
       Kind::denied,
       "outside the work dir"},
      {"author with bracket",
       {{"message", "m"}, {"author_name", "a <b>"}},
       Kind::invalid_argument,
       "'<', '>'"},
      {"email with newline",
       {{"message", "m"}, {"author_email", "a@b\nc"}},
       Kind::invalid_argument,
       "control"},
      {"blank author",
       {{"message", "m"}, {"author_name", " "}},
       Kind::invalid_argument,
       "is empty"},
  };
  write_file("a.txt", "alpha\n");
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const ToolError error = expect_error(make_tools(config()).commit(test_case.arguments));
    EXPECT_EQ(error.kind, test_case.kind) << error.message;
    EXPECT_NE(error.message.find(test_case.expected), std::string::npos) << error.message;
  }
  EXPECT_EQ(git_output("git status --porcelain"), "?? a.txt") << "a rejected call staged something";
}

TEST_F(GitToolsTest, RepositoryHooksDoNotRun) {
  const std::vector<std::string> hooks = {"pre-commit", "prepare-commit-msg", "commit-msg",
                                          "post-commit"};
  for (const std::string& hook : hooks) {
    fs::copy_file(marker_script(hook), work_ + "/.git/hooks/" + hook);
  }
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "hooks stay off"}});
  for (const std::string& hook : hooks) EXPECT_FALSE(ran(hook)) << hook << " ran";

  // The same hooks do run for a plain git commit, so the check above can fail.
  write_file("a.txt", "changed\n");
  shell("git commit -q -a -m plain", work_);
  EXPECT_TRUE(ran("post-commit"));
}

TEST_F(GitToolsTest, RepositoryHooksPathIsIgnored) {
  fs::create_directory(root_ + "/hooks");
  fs::copy_file(marker_script("prepare-commit-msg"), root_ + "/hooks/prepare-commit-msg");
  fs::copy_file(marker_script("post-commit"), root_ + "/hooks/post-commit");
  shell("git config core.hooksPath " + root_ + "/hooks", work_);
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "hooks stay off"}});
  EXPECT_FALSE(ran("prepare-commit-msg"));
  EXPECT_FALSE(ran("post-commit"));
}

TEST_F(GitToolsTest, RepositoryFiltersDoNotRun) {
  shell("git config filter.evil.clean '" + marker_script("clean") + "'", work_);
  shell("git config filter.evil.process '" + marker_script("process") + "'", work_);
  shell("git config filter.evil.required true", work_);
  shell("git config 'filter.odd=name.clean' '" + marker_script("odd-clean") + "'", work_);
  write_file(".gitattributes", "*.txt filter=evil\n*.dat filter=odd=name\n");
  write_file("a.txt", "raw content\n");
  write_file("b.dat", "raw data\n");

  commit_ok({{"message", "filters stay off"}});
  EXPECT_FALSE(ran("clean"));
  EXPECT_FALSE(ran("process"));
  EXPECT_FALSE(ran("odd-clean"));
  EXPECT_EQ(git_output("git cat-file blob HEAD:a.txt"), "raw content");
}

TEST_F(GitToolsTest, FsmonitorAndSigningDoNotRun) {
  shell("git config core.fsmonitor '" + marker_script("fsmonitor") + "'", work_);
  shell("git config commit.gpgSign true && git config gpg.program '" + marker_script("gpg") + "'",
        work_);
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "unsigned"}});
  EXPECT_FALSE(ran("fsmonitor"));
  EXPECT_FALSE(ran("gpg"));
}

TEST_F(GitToolsTest, CommitInRepositoryOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change file owners";
  write_file("a.txt", "alpha\n");
  shell("chown -R 65534:65534 " + work_, root_);
  commit_ok({{"message", "as the proxy"}});
}

TEST_F(GitToolsTest, DoesNotUseRepositoryAboveWorkDir) {
  fs::remove_all(work_ + "/.git");
  shell("git init -q .", root_);
  write_file("a.txt", "alpha\n");
  const ToolError error = expect_error(make_tools(config()).commit({{"message", "m"}}));
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("not a git repository"), std::string::npos) << error.message;
}

TEST_F(GitToolsTest, PushesToBareRepositoryByPath) {
  write_file("a.txt", "alpha\n");
  const std::string commit = commit_ok({{"message", "to push"}})["commit"];
  const json result =
      expect_ok(make_tools(config()).push({{"remote", remote_}, {"branch", "main"}}));
  EXPECT_EQ(result["pushed"], true);
  EXPECT_EQ(result["remote"], remote_);
  EXPECT_EQ(result["branch"], "main");
  EXPECT_EQ(result["commit"], commit);
  EXPECT_NE(result["output"].get<std::string>().find("main -> main"), std::string::npos)
      << result["output"];
  EXPECT_EQ(shell("git --git-dir=" + remote_ + " rev-parse refs/heads/main", root_), commit + "\n");
}

TEST_F(GitToolsTest, PushesToConfiguredRemote) {
  shell("git remote add origin file://" + remote_, work_);
  write_file("a.txt", "alpha\n");
  const std::string commit = commit_ok({{"message", "to origin"}})["commit"];
  shell("git checkout -q -b feature/x", work_);
  expect_ok(make_tools(config()).push({{"remote", "origin"}, {"branch", "feature/x"}}));
  EXPECT_EQ(shell("git --git-dir=" + remote_ + " rev-parse refs/heads/feature/x", root_),
            commit + "\n");
}

TEST_F(GitToolsTest, PushIgnoresRepositoryTransportConfig) {
  shell("git remote add origin " + remote_, work_);
  shell("git config remote.origin.receivepack '" + marker_script("receivepack") + "'", work_);
  shell("git config url." + root_ + "/elsewhere.git.insteadOf " + remote_, work_);
  fs::copy_file(marker_script("pre-push"), work_ + "/.git/hooks/pre-push");
  write_file("a.txt", "alpha\n");
  const std::string commit = commit_ok({{"message", "m"}})["commit"];

  expect_ok(make_tools(config()).push({{"remote", "origin"}, {"branch", "main"}}));
  EXPECT_FALSE(ran("receivepack"));
  EXPECT_FALSE(ran("pre-push"));
  EXPECT_FALSE(fs::exists(root_ + "/elsewhere.git"));
  EXPECT_EQ(shell("git --git-dir=" + remote_ + " rev-parse refs/heads/main", root_), commit + "\n");
}

TEST_F(GitToolsTest, PushRejectsInvalidNames) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});
  struct Case {
    const char* name;
    std::string remote;
    std::string branch;
  };
  const std::vector<Case> cases = {
      {"branch with leading dash", remote_, "-f"},
      {"branch with space", remote_, "a b"},
      {"branch with newline", remote_, "a\nb"},
      {"branch with double dot", remote_, "a..b"},
      {"branch shorthand", remote_, "@{-1}"},
      {"branch HEAD", remote_, "HEAD"},
      {"branch with colon", remote_, "main:other"},
      {"branch with tilde", remote_, "main~1"},
      {"branch ending in .lock", remote_, "x.lock"},
      {"empty branch", remote_, ""},
      {"remote with leading dash", "--receive-pack=evil", "main"},
      {"remote with space", "ext::sh -c x", "main"},
      {"remote with tab", "a\tb", "main"},
      {"remote name with double dot", "a..b", "main"},
      {"empty remote", "", "main"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    const ToolError error = expect_error(
        make_tools(config()).push({{"remote", test_case.remote}, {"branch", test_case.branch}}));
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument) << error.message;
  }
  EXPECT_EQ(shell("git --git-dir=" + remote_ + " for-each-ref", root_), "");
}

TEST_F(GitToolsTest, PushMissingBranchOrRemoteIsNotFound) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});
  const ToolError branch =
      expect_error(make_tools(config()).push({{"remote", remote_}, {"branch", "nope"}}));
  EXPECT_EQ(branch.kind, ToolError::Kind::not_found);
  EXPECT_EQ(branch.message, "branch \"nope\" does not exist");
  const ToolError remote =
      expect_error(make_tools(config()).push({{"remote", "upstream"}, {"branch", "main"}}));
  EXPECT_EQ(remote.kind, ToolError::Kind::not_found);
  EXPECT_EQ(remote.message, "remote \"upstream\" is not configured");
}

TEST_F(GitToolsTest, PushDeniesDisallowedTransports) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});
  shell("git remote add scp git@example.invalid:org/repo.git", work_);
  GitConfig strict = config();
  strict.allow_file_remotes = false;
  const std::vector<std::string> remotes = {"ssh://example.invalid/repo.git",
                                            "git://example.invalid/repo.git",
                                            "http://127.0.0.1:9/repo.git",
                                            "scp",
                                            remote_,
                                            "file://" + remote_};
  for (const std::string& remote : remotes) {
    SCOPED_TRACE(remote);
    const ToolError error =
        expect_error(make_tools(strict).push({{"remote", remote}, {"branch", "main"}}));
    EXPECT_EQ(error.kind, ToolError::Kind::denied) << error.message;
  }
  EXPECT_EQ(shell("git --git-dir=" + remote_ + " for-each-ref", root_), "");
}

TEST_F(GitToolsTest, NonFastForwardPushIsConflict) {
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "first"}});
  expect_ok(make_tools(config()).push({{"remote", remote_}, {"branch", "main"}}));
  shell("git commit -q --amend -m rewritten", work_);
  const ToolError error =
      expect_error(make_tools(config()).push({{"remote", remote_}, {"branch", "main"}}));
  EXPECT_EQ(error.kind, ToolError::Kind::conflict) << error.message;
  EXPECT_NE(error.message.find("rejected"), std::string::npos) << error.message;
}

TEST_F(GitToolsTest, TokenReachesServerOnlyThroughAskpass) {
  testing::TestHttpServer server;
  server.respond(
      "/org/repo.git/info/refs",
      {401, {{"WWW-Authenticate", "Basic realm=\"forge\""}}, "authentication required", {}});
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});

  GitConfig with_token = config();
  with_token.allow_plain_http = true;
  with_token.credentials = ForgeCredentials{"127.0.0.1", "x-access-token", kToken};
  const std::string url = server.url("/org/repo.git");
  const ToolError error =
      expect_error(make_tools(with_token).push({{"remote", url}, {"branch", "main"}}));
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message.find(kToken), std::string::npos) << error.message;

  const std::string expected =
      "Basic " + text::base64_encode(std::string("x-access-token:") + kToken);
  bool sent_token = false;
  for (const auto& request : server.requests()) {
    EXPECT_EQ(request.target.find(kToken), std::string::npos);
    if (request.header("authorization") == expected) sent_token = true;
  }
  EXPECT_TRUE(sent_token) << "git never answered the 401 with the token";
}

TEST_F(GitToolsTest, TokenIsNotOfferedToOtherHosts) {
  testing::TestHttpServer server;
  server.respond(
      "/org/repo.git/info/refs",
      {401, {{"WWW-Authenticate", "Basic realm=\"forge\""}}, "authentication required", {}});
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});

  GitConfig other_host = config();
  other_host.allow_plain_http = true;
  other_host.credentials = ForgeCredentials{"forge.example.org", "x-access-token", kToken};
  const ToolError error = expect_error(
      make_tools(other_host).push({{"remote", server.url("/org/repo.git")}, {"branch", "main"}}));
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  for (const auto& request : server.requests()) {
    EXPECT_FALSE(request.header("authorization").has_value());
  }
}

TEST_F(GitToolsTest, PushGoesThroughConfiguredProxy) {
  testing::TestHttpServer origin;
  origin.respond("/org/repo.git/info/refs", {404, {}, "no such repository", {}});
  testing::TestHttpServer proxy;
  proxy.act_as_forward_proxy();
  write_file("a.txt", "alpha\n");
  commit_ok({{"message", "m"}});

  GitConfig proxied = config();
  proxied.allow_plain_http = true;
  proxied.proxy.http_proxy = proxy.url("");
  const ToolError error = expect_error(
      make_tools(proxied).push({{"remote", origin.url("/org/repo.git")}, {"branch", "main"}}));
  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  ASSERT_FALSE(proxy.requests().empty()) << "git bypassed the egress proxy";
  EXPECT_NE(proxy.requests().front().target.find("/org/repo.git/info/refs"), std::string::npos);
}

TEST_F(GitToolsTest, AskpassAnswersPromptsFromPrivateFiles) {
  GitConfig with_token = config();
  with_token.credentials = ForgeCredentials{"forge.example.org", "oauth2", kToken};
  std::string instance;
  {
    GitTools tools = make_tools(with_token);
    ASSERT_EQ(std::distance(fs::directory_iterator(private_), fs::directory_iterator()), 1);
    instance = fs::directory_iterator(private_)->path().string();
    EXPECT_EQ(fs::status(instance + "/token").permissions(),
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::status(instance + "/askpass").permissions(), fs::perms::owner_all);

    const auto ask = [&](const std::string& prompt) {
      ProcessSpec spec;
      spec.argv = {instance + "/askpass", prompt};
      spec.cwd = "/";
      spec.env = {"PATH=/usr/bin:/bin"};
      auto result = run_process(spec);
      EXPECT_TRUE(result.ok());
      return result.ok() ? result->stdout_data : std::string();
    };
    EXPECT_EQ(ask("Username for 'https://forge.example.org': "), "oauth2\n");
    EXPECT_EQ(ask("Password for 'https://oauth2@forge.example.org': "), std::string(kToken) + "\n");
  }
  EXPECT_FALSE(fs::exists(instance)) << "the token file outlived the tools";
}

TEST_F(GitToolsTest, MakeRejectsUnsafeConfig) {
  GitConfig open_dir = config();
  fs::permissions(private_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  auto rejected = GitTools::make(open_dir, resolver());
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().find("no group or other permissions"), std::string::npos)
      << rejected.error();
  fs::permissions(private_, fs::perms::owner_all);

  GitConfig missing = config();
  missing.private_dir = root_ + "/missing";
  EXPECT_FALSE(GitTools::make(missing, resolver()).ok());

  for (const ForgeCredentials& credentials :
       {ForgeCredentials{"", "x", kToken}, ForgeCredentials{"Forge.example.org", "x", kToken},
        ForgeCredentials{"forge.example.org", "bad user", kToken},
        ForgeCredentials{"forge.example.org", "x", ""},
        ForgeCredentials{"forge.example.org", "x", "a b"},
        ForgeCredentials{"forge.example.org", "x", "tok\nen"}}) {
    GitConfig bad = config();
    bad.credentials = credentials;
    auto made = GitTools::make(bad, resolver());
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().find(kToken), std::string::npos) << made.error();
  }
  EXPECT_TRUE(fs::is_empty(private_)) << "a rejected config left files behind";
}

TEST(GitRunner, InvocationIsHardened) {
  git::GitRunner runner("/usr/bin/git", "/private/home", {}, false);
  const std::vector<std::string> argv = runner.argv("/repo", {"status"}, {});
  for (const char* setting :
       {"core.hooksPath=/dev/null", "core.fsmonitor=false",
        "credential.helper=", "core.askPass=", "protocol.allow=never", "safe.directory=/repo"}) {
    EXPECT_NE(std::find(argv.begin(), argv.end(), setting), argv.end()) << setting;
  }
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "protocol.http.allow=always"), argv.end());
  EXPECT_EQ(argv.back(), "status");

  const std::vector<std::string> env = runner.environment("/repo", {});
  for (const char* entry :
       {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
        "HOME=/private/home", "GIT_CEILING_DIRECTORIES=/"}) {
    EXPECT_NE(std::find(env.begin(), env.end(), entry), env.end()) << entry;
  }
}

TEST(GitOutput, ScrubsSecret) {
  EXPECT_EQ(git::scrub_secret("a TOKEN b TOKENTOKEN", "TOKEN"),
            "a [REDACTED] b [REDACTED][REDACTED]");
  EXPECT_EQ(git::scrub_secret("unchanged", ""), "unchanged");
}

TEST(GitOutput, TailKeepsLastLines) {
  EXPECT_EQ(git::tail_of_output("  one\ntwo\n\n", 100), "one\ntwo");
  EXPECT_EQ(git::tail_of_output("first line\nsecond\nlast\n", 16), "second\nlast");
  EXPECT_EQ(git::tail_of_output("\n \n", 10), "");
}

}  // namespace
}  // namespace nucleus::proxy
