// A scripted agent for `nucleus run` tests. It does what an agent such as
// Claude Code does with the configuration it is handed: reads .mcp.json
// from its working directory, starts the "nucleus" stdio server named
// there, and calls tools through it. Its steps:
//   1. list the tools;
//   2. read notes.txt and write it back upper-cased plus a new file;
//   3. try to write .env (the policy denies it);
//   4. run `cat notes.txt`, which waits for an approval;
//   5. try its token on a route outside its pod (creating a pod).
// It prints a JSON report on stdout and exits 0 when every step behaved.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const config = JSON.parse(readFileSync(".mcp.json", "utf8")).mcpServers.nucleus;
const plain = JSON.parse(readFileSync(process.env.NUCLEUS_MCP_CONFIG, "utf8"));
const report = {
  cwd: process.cwd(),
  pod: process.env.NUCLEUS_POD_ID,
  plain_pod: plain.pod,
  http_url: plain.http.url,
  leaked: ["NUCLEUS_NODE_TOKEN", "NUCLEUS_NODE_APPROVER_TOKEN", "NUCLEUS_NODE_STATE_DIR"].filter(
    (name) => process.env[name] !== undefined,
  ),
};
const client = new Client({ name: "nucleus-scripted-agent", version: "1.0.0" });
await client.connect(
  new StdioClientTransport({
    command: config.command,
    args: config.args,
    env: { ...config.env, PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stderr: "inherit",
  }),
);
const text = (result) => result.content.map((part) => part.text ?? "").join("");
report.tools = (await client.listTools()).tools.map((tool) => tool.name);
const notes = await client.callTool({ name: "read", arguments: { path: "notes.txt" } });
const content = notes.structuredContent.content;
report.write = await client.callTool({ name: "write", arguments: { path: "notes.txt", content: content.toUpperCase() } });
report.create = await client.callTool({ name: "write", arguments: { path: "made-by-agent.txt", content: "hello\n" } });
report.denied = await client.callTool({ name: "write", arguments: { path: ".env", content: "X=1\n" } });
report.run = await client.callTool(
  { name: "run", arguments: { command: "cat notes.txt" } },
  undefined,
  { timeout: 90_000, resetTimeoutOnProgress: true },
);
await client.close();
report.token = config.env.NUCLEUS_NODE_TOKEN;
const outside = await fetch(`${process.env.NUCLEUS_NODE_URL}/v1/pods`, {
  method: "POST",
  headers: { Authorization: `Bearer ${report.token}`, "Content-Type": "application/json" },
  body: JSON.stringify({ apiVersion: "nucleus.io/v1", kind: "PodSpec", metadata: { name: "escape" }, spec: { profile: "permissive" } }),
});
report.create_pod_status = outside.status;
console.log(JSON.stringify(report));
const behaved =
  !report.write.isError && !report.create.isError && report.denied.isError && !report.run.isError &&
  text(report.run).includes(content.toUpperCase().trim()) && report.leaked.length === 0 &&
  report.create_pod_status === 403;
process.exit(behaved ? 0 : 1);
