/**
 * The client under test for the official MCP conformance suite
 * (`@modelcontextprotocol/conformance client --command ...`). The suite starts a
 * scenario server, appends its URL as the last argument and names the scenario in
 * MCP_CONFORMANCE_SCENARIO; this program drives Patchbay's own `McpSession` through
 * what that scenario expects and exits non-zero when a step fails.
 *
 * @see https://github.com/modelcontextprotocol/conformance
 */
import type { CallToolResult, ElicitRequest, ElicitResult, Tool } from '@modelcontextprotocol/client';
import { isPatchbayError } from '../../src/core/errors.ts';
import { createLogger, type Logger } from '../../src/core/log.ts';
import { createMcpFetch, McpSession, type RequestControl } from '../../src/mcp/index.ts';
import { HubClient } from './sign-in-driver.ts';

interface ScenarioRun {
  session: McpSession;
  /** Scenario data the suite passes in MCP_CONFORMANCE_CONTEXT, if any. */
  context: Record<string, unknown>;
  log(message: string, fields?: Record<string, unknown>): void;
}

type ScenarioHandler = (run: ScenarioRun) => Promise<void>;

/** Accepts a form exactly as sent: empty content, so the session must fill in the schema's defaults (SEP-1034). */
const acceptEmptyForm: RequestControl['onElicitation'] = async () => ({ action: 'accept', content: {} });

/** Accepts every form with a confirmation, as a person clicking "yes" would. */
const acceptConfirmed: RequestControl['onElicitation'] = async (request: ElicitRequest['params']): Promise<ElicitResult> =>
  request.mode === 'url' ? { action: 'decline' } : { action: 'accept', content: { confirmed: true } };

const SCENARIOS: Record<string, ScenarioHandler> = {
  async initialize({ session }) {
    await session.connect();
    await session.listTools();
  },

  async tools_call({ session }) {
    const tool = findTool(await session.listTools(), 'add_numbers');
    const result = await session.callTool(tool.name, { a: 5, b: 3 }, {}, tool);
    expectText(result, 'The sum of 5 and 3 is 8');
  },

  async 'elicitation-sep1034-client-defaults'({ session }) {
    const tool = findTool(await session.listTools(), 'test_client_elicitation_defaults');
    const result = await session.callTool(tool.name, {}, { onElicitation: acceptEmptyForm }, tool);
    expectSuccess(result);
  },

  async 'sse-retry'({ session }) {
    const tool = findTool(await session.listTools(), 'test_reconnection');
    const result = await session.callTool(tool.name, {}, {}, tool);
    expectText(result, 'Reconnection test completed successfully');
  },

  async 'request-metadata'({ session }) {
    await session.connect();
    await session.listTools();
  },

  async 'http-standard-headers'({ session }) {
    for (const tool of await session.listTools()) expectSuccess(await session.callTool(tool.name, {}, {}, tool));
    for (const resource of await session.listResources()) await session.readResource(resource.uri);
    for (const prompt of await session.listPrompts()) await session.getPrompt(prompt.name, {});
  },

  async 'http-custom-headers'({ session, context }) {
    const tools = await session.listTools();
    const calls = (context.toolCalls ?? []) as { name: string; arguments: Record<string, unknown> }[];
    if (calls.length === 0) throw new Error('MCP_CONFORMANCE_CONTEXT names no tool calls to make.');
    for (const call of calls) expectSuccess(await session.callTool(call.name, call.arguments, {}, findTool(tools, call.name)));
  },

  async 'http-invalid-tool-headers'({ session, log }) {
    // The session must have dropped every tool whose x-mcp-header is invalid; the
    // scenario fails if any of them is called, and if the valid one is not.
    const tools = await session.listTools();
    log('tools kept', { tools: tools.map((t) => t.name) });
    for (const tool of tools) await session.callTool(tool.name, { region: 'us-west1' }, {}, tool);
  },

  async 'sep-2322-client-request-state'({ session, log }) {
    const tools = await session.listTools();
    for (const name of ['test_mrtr_echo_state', 'test_mrtr_no_state', 'test_mrtr_unrelated']) {
      expectSuccess(await session.callTool(name, {}, { onElicitation: acceptConfirmed }, findTool(tools, name)));
    }
    // A result without resultType is complete by definition; the scenario only checks
    // that it is not retried, so rejecting it locally is acceptable too.
    await session.callTool('test_mrtr_no_result_type', {}, { onElicitation: acceptConfirmed }, findTool(tools, 'test_mrtr_no_result_type')).then(
      (result) => log('result without resultType accepted', { isError: result.isError ?? false }),
      (error: unknown) => log('result without resultType rejected', { error: String(error) }),
    );
  },

  async 'json-schema-ref-no-deref'({ session }) {
    await session.listTools();
  },

  async 'json-schema-2020-12-preservation'({ session }) {
    const tools = await session.listTools();
    const focal = findTool(tools, 'json_schema_2020_12_tool');
    const echo = findTool(tools, 'json_schema_echo');
    expectSuccess(await session.callTool(echo.name, { schema: focal.inputSchema }, {}, echo));
  },
};

interface AuthScenarioRun {
  url: string;
  /** Scenario data the suite passes in MCP_CONFORMANCE_CONTEXT (client IDs, secrets, keys). */
  context: Record<string, unknown>;
  logger: Logger;
}

type AuthScenarioHandler = (run: AuthScenarioRun) => Promise<void>;

/**
 * The client ID metadata document URL the suite's `auth/basic-cimd` authorization
 * server expects as `client_id` (it does not fetch it). Patchbay offers whatever
 * PATCHBAY_CLIENT_METADATA_URL names.
 */
const CIMD_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

/** The tool every authorization scenario's server offers. */
const SCENARIO_TOOL = 'test-tool';

/**
 * Adds the server as a connector and uses it as a person would: list the tools and
 * call the scenario's tool, signing in whenever Patchbay says it is needed.
 * `prepare` runs after the connector is added, before anything else.
 */
function useConnector(options: { env?: Record<string, string>; prepare?: (client: HubClient, context: Record<string, unknown>) => Promise<void> } = {}): AuthScenarioHandler {
  return async ({ url, context, logger }) => {
    const client = await HubClient.open(url, { logger, env: options.env });
    try {
      await options.prepare?.(client, context);
      const tools = await client.withSignIn(() => client.listTools());
      logger.info('tools listed', { tools: tools.map((t) => t.name) });
      expectSuccess(await client.withSignIn(() => client.callTool(findTool(tools, SCENARIO_TOOL).name, {})));
      logger.info('tool called', { signIns: client.signIns });
    } finally {
      await client.close();
    }
  };
}

/**
 * For servers that misbehave on purpose (a wrong `iss`, a metadata issuer or resource
 * that does not match): Patchbay must refuse to sign in, so the connector is never used.
 */
function expectRefusal(handler: AuthScenarioHandler): AuthScenarioHandler {
  return async (run) => {
    const outcome = await handler(run).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome === undefined) throw new Error('Patchbay signed in and used the connector although the server misbehaved.');
    if (!isPatchbayError(outcome, 'AUTH_REQUIRED')) throw outcome;
    run.logger.info('sign-in refused, as it must be', { error: outcome.message });
  };
}

/** Machine-to-machine: Patchbay signs in with the client_credentials grant; no person, no redirect. */
const useMachineClient: AuthScenarioHandler = async ({ url, context, logger }) => {
  const client = await HubClient.open(url, { logger });
  try {
    await client.patchbay.hub.signInWithClientCredentials(client.actor, client.name, {
      client_id: requireString(context, 'client_id'),
      client_secret: optionalString(context, 'client_secret'),
      private_key_pem: optionalString(context, 'private_key_pem'),
      signing_algorithm: optionalString(context, 'signing_algorithm'),
    });
    const tools = await client.listTools();
    expectSuccess(await client.callTool(findTool(tools, SCENARIO_TOOL).name, {}));
    if (client.signIns > 0) throw new Error('A machine client needed an interactive sign-in.');
  } finally {
    await client.close();
  }
};

const AUTH_SCENARIOS: Record<string, AuthScenarioHandler> = {
  'auth/metadata-default': useConnector(),
  'auth/metadata-var1': useConnector(),
  'auth/metadata-var2': useConnector(),
  'auth/metadata-var3': useConnector(),
  'auth/basic-cimd': useConnector({ env: { PATCHBAY_CLIENT_METADATA_URL: CIMD_CLIENT_METADATA_URL } }),
  'auth/scope-from-www-authenticate': useConnector(),
  'auth/scope-from-scopes-supported': useConnector(),
  'auth/scope-omitted-when-undefined': useConnector(),
  'auth/scope-step-up': useConnector(),
  // The server refuses every scope: the retry limit of `withSignIn` ends the loop with AUTH_REQUIRED.
  'auth/scope-retry-limit': expectRefusal(useConnector()),
  'auth/token-endpoint-auth-basic': useConnector(),
  'auth/token-endpoint-auth-post': useConnector(),
  'auth/token-endpoint-auth-none': useConnector(),
  'auth/pre-registration': useConnector({
    prepare: async (client, context) => {
      await client.patchbay.hub.setOAuthClient(client.actor, client.name, { client_id: requireString(context, 'client_id'), client_secret: optionalString(context, 'client_secret') });
    },
  }),
  'auth/resource-mismatch': expectRefusal(useConnector()),
  'auth/offline-access-scope': useConnector(),
  'auth/offline-access-not-supported': useConnector(),
  'auth/authorization-server-migration': useConnector(),
  'auth/iss-supported': useConnector(),
  'auth/iss-not-advertised': useConnector(),
  'auth/iss-supported-missing': expectRefusal(useConnector()),
  'auth/iss-wrong-issuer': expectRefusal(useConnector()),
  'auth/iss-unexpected': expectRefusal(useConnector()),
  'auth/iss-normalized': expectRefusal(useConnector()),
  'auth/metadata-issuer-mismatch': expectRefusal(useConnector()),
  'auth/client-credentials-basic': useMachineClient,
  'auth/client-credentials-jwt': useMachineClient,
};

/** The scenarios this client can drive; the harness checks the suite's list against it. */
export const SUPPORTED_SCENARIOS: readonly string[] = [...Object.keys(SCENARIOS), ...Object.keys(AUTH_SCENARIOS)];

function findTool(tools: Tool[], name: string): Tool {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`The server did not list the tool "${name}" (it listed: ${tools.map((t) => t.name).join(', ') || 'none'}).`);
  return tool;
}

function expectSuccess(result: CallToolResult): void {
  if (result.isError) throw new Error(`The tool call returned an error: ${JSON.stringify(result.content)}`);
}

function expectText(result: CallToolResult, text: string): void {
  expectSuccess(result);
  const texts = result.content.flatMap((c) => (c.type === 'text' ? [c.text] : []));
  if (!texts.includes(text)) throw new Error(`Expected the tool to answer "${text}", got ${JSON.stringify(texts)}.`);
}

function requireString(context: Record<string, unknown>, key: string): string {
  const value = context[key];
  if (typeof value !== 'string' || value === '') throw new Error(`MCP_CONFORMANCE_CONTEXT has no "${key}".`);
  return value;
}

function optionalString(context: Record<string, unknown>, key: string): string | undefined {
  const value = context[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseContext(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

async function main(): Promise<number> {
  const url = process.argv.at(-1);
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO;
  const logger = createLogger('info', { scenario });
  if (!url || !URL.canParse(url) || !scenario) {
    logger.error('usage: MCP_CONFORMANCE_SCENARIO=<scenario> node scripts/conformance/client.ts <server-url>', { scenario, url });
    return 2;
  }
  const context = parseContext(process.env.MCP_CONFORMANCE_CONTEXT);
  const authHandler = AUTH_SCENARIOS[scenario];
  if (authHandler) {
    try {
      await authHandler({ url, context, logger });
      logger.info('scenario done');
      return 0;
    } catch (error) {
      logger.error('scenario failed', { error: describe(error) });
      return 1;
    }
  }
  const handler = SCENARIOS[scenario];
  if (!handler) {
    logger.error('this client has no handler for the scenario; add one to scripts/conformance/client.ts', { supported: SUPPORTED_SCENARIOS });
    return 2;
  }

  const mcpFetch = createMcpFetch({ maxResponseBytes: 16 * 1024 * 1024, connections: 8 });
  const session = new McpSession(
    { connectorId: 'conformance', userId: 'conformance', name: scenario, url, transport: 'auto' },
    { fetch: mcpFetch.fetch, requestTimeoutMs: 15_000, connectTimeoutMs: 10_000, clientInfo: { name: 'patchbay-conformance', version: '0.1.0' }, logger },
  );
  try {
    await handler({ session, context, log: (m, f) => logger.info(m, f) });
    logger.info('scenario done', { facts: session.facts && { protocolVersion: session.facts.protocolVersion, era: session.facts.era, transport: session.facts.transport } });
    return 0;
  } catch (error) {
    logger.error('scenario failed', { error: describe(error) });
    return 1;
  } finally {
    await session.close();
    await mcpFetch.close();
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return { name: error.name, code: (error as { code?: unknown }).code, message: error.message, cause: error.cause instanceof Error ? error.cause.message : undefined };
}

if (import.meta.main) process.exitCode = await main();
