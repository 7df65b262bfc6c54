// Drives a nucleus MCP server with the official TypeScript SDK client and
// prints one JSON report on stdout for the C++ test that started it.
//
//   node scenario.mjs stdio|http
//
// Environment: NUCLEUS_BIN (the nucleus CLI, for stdio), NODE_URL,
// NODE_TOKEN (the agent token) and POD_ID. The scenario lists the tools,
// reads a file, writes a blocked path, calls an unknown tool, then calls
// `run`, which needs an approval; the test grants it while this waits.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const kind = process.argv[2];
const { NUCLEUS_BIN, NODE_URL, NODE_TOKEN, POD_ID } = process.env;
if (!["stdio", "http"].includes(kind) || !NODE_URL || !NODE_TOKEN || !POD_ID) {
  console.error("usage: NODE_URL=... NODE_TOKEN=... POD_ID=... [NUCLEUS_BIN=...] node scenario.mjs stdio|http");
  process.exit(2);
}

function makeTransport() {
  if (kind === "stdio") {
    return new StdioClientTransport({
      command: NUCLEUS_BIN,
      args: ["mcp", "--pod", POD_ID, "--node", NODE_URL],
      env: { NUCLEUS_NODE_TOKEN: NODE_TOKEN, PATH: process.env.PATH ?? "/usr/bin:/bin" },
      stderr: "inherit",
    });
  }
  return new StreamableHTTPClientTransport(new URL(`${NODE_URL}/v1/pods/${POD_ID}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${NODE_TOKEN}` } },
  });
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { code: error.code ?? null, message: String(error.message) };
  }
}

const report = { transport: kind };
const logs = [];
const progress = [];
const client = new Client({ name: "nucleus-sdk-scenario", version: "1.0.0" });
client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => logs.push(notification.params));
const transport = makeTransport();
await client.connect(transport);
report.server = client.getServerVersion();
report.capabilities = client.getServerCapabilities();
report.protocolVersion = transport.protocolVersion ?? null;
report.tools = (await client.listTools()).tools.map((tool) => ({
  name: tool.name,
  description: tool.description,
  required: tool.inputSchema.required ?? [],
}));
report.read = await client.callTool({ name: "read", arguments: { path: "notes.txt" } });
report.denied = await client.callTool({ name: "write", arguments: { path: ".env", content: "TOKEN=1\n" } });
report.unknown = await errorOf(client.callTool({ name: "no_such_tool", arguments: {} }));
console.error(`scenario(${kind}): calling run, which waits for an approval`);
report.approved = await client.callTool(
  { name: "run", arguments: { command: "echo approved-run" } },
  undefined,
  { onprogress: (p) => progress.push(p), timeout: 90_000, resetTimeoutOnProgress: true },
);
report.progress = progress;
report.logs = logs;
report.ping = await errorOf(client.ping());
await client.close();
console.log(JSON.stringify(report));
