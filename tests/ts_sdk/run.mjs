// Small scenarios of the TypeScript SDK (@composio/core) against a running Valetkey, one per argument:
//   node run.mjs <catalog|execute|connections|sessions|mcp>
// VALETKEY_URL and VALETKEY_API_KEY name the server and the project key. Each scenario prints one JSON
// object on stdout; tests/test_ts_sdk.py asserts it (and that the SDK warned about nothing on stderr).
import { Composio } from "@composio/core";

const composio = new Composio({
  apiKey: process.env.VALETKEY_API_KEY,
  baseURL: process.env.VALETKEY_URL,
  allowTracking: false,
});

async function catalog() {
  const toolkit = await composio.toolkits.get("loopback");
  const raw = await composio.tools.getRawComposioToolBySlug("LOOPBACK_ECHO_GET");
  // tools.get with explicit slugs sends limit=9999: it must be served, not refused.
  const tools = await composio.tools.get("ts-user", { tools: ["LOOPBACK_ECHO_GET", "KEYED_WHOAMI"] });
  return {
    toolkit: toolkit.slug,
    toolkit_name: toolkit.name,
    raw: raw.slug,
    raw_required: raw.inputParameters?.required ?? [],
    tools: tools.map((tool) => tool.function?.name ?? tool.name).sort(),
  };
}

async function execute() {
  const result = await composio.tools.execute("LOOPBACK_ECHO_GET", {
    userId: "ts-user",
    arguments: { item_id: "ts-1", page_size: 5 },
    dangerouslySkipVersionCheck: true,
  });
  const keyed = await composio.tools.execute("KEYED_WHOAMI", {
    userId: "ts-user",
    arguments: {},
    dangerouslySkipVersionCheck: true,
  });
  return {
    successful: result.successful,
    path: result.data?.path,
    query: result.data?.query,
    keyed_successful: keyed.successful,
    keyed_key: keyed.data?.headers?.["x-api-key"],
  };
}

async function connections() {
  const accounts = await composio.connectedAccounts.list({ userIds: ["ts-user"] });
  const first = accounts.items[0];
  const one = await composio.connectedAccounts.get(first.id);
  const configs = await composio.authConfigs.list({ toolkit: "keyed" });
  return {
    accounts: accounts.items.map((a) => ({ id: a.id, status: a.status, toolkit: a.toolkit?.slug })),
    got: { id: one.id, status: one.status },
    auth_configs: configs.items.map((c) => c.toolkit?.slug),
  };
}

async function sessions() {
  const session = await composio.create("ts-user", { toolkits: ["loopback", "keyed"] });
  const ran = await session.execute("LOOPBACK_ECHO_GET", { item_id: "in-session" });
  const tools = await session.tools();
  const toolkits = await session.toolkits();
  return {
    session_id: session.sessionId,
    result: { error: ran.error ?? null, path: ran.data?.path },
    tools: tools.map((tool) => tool.function?.name ?? tool.name).sort(),
    toolkits: toolkits.items.map((t) => t.slug).sort(),
  };
}

async function mcp() {
  const session = await composio.create("ts-user", {
    toolkits: ["loopback"],
    preload: { tools: ["LOOPBACK_ECHO_GET"] },
  });
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(session.mcp.headers ?? {}),
  };
  if (!headers["x-api-key"]) headers["x-api-key"] = process.env.VALETKEY_API_KEY;
  const rpc = async (id, method, params, sessionHeader) => {
    const response = await fetch(session.mcp.url, {
      method: "POST",
      headers: sessionHeader ? { ...headers, "mcp-session-id": sessionHeader } : headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    });
    const text = await response.text();
    const line = text.split("\n").find((l) => l.startsWith("data:"));
    return { response, body: JSON.parse(line ? line.slice(5) : text) };
  };
  const init = await rpc(1, "initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "ts-sdk-test", version: "1" },
  });
  const mcpSession = init.response.headers.get("mcp-session-id");
  const listed = await rpc(2, "tools/list", {}, mcpSession);
  const called = await rpc(3, "tools/call", { name: "LOOPBACK_ECHO_GET", arguments: { item_id: "over-mcp" } }, mcpSession);
  return {
    url: session.mcp.url,
    server: init.body.result?.serverInfo?.name,
    tools: listed.body.result.tools.map((t) => t.name).sort(),
    call_is_error: called.body.result.isError ?? false,
    call_text: called.body.result.content?.[0]?.text ?? "",
  };
}

const scenarios = { catalog, execute, connections, sessions, mcp };
const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenarios[name]()));
} catch (error) {
  console.error(`${error?.name}: ${error?.message}`);
  if (error?.cause) console.error(`cause: ${error.cause?.message ?? error.cause}`);
  process.exit(1);
}
