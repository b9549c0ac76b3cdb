import { VERSION } from '../../app.ts';
import { publicUrlOf } from '../../core/config.ts';
import { PatchbayError, toPatchbayError } from '../../core/errors.ts';
import { createLogger } from '../../core/log.ts';
import { type InProcessStdioOptions, relayGatewayToHub, serveGatewayInProcess, type StdioGateway } from '../../server/index.ts';
import type { CommandSpec } from '../command.ts';
import { flagOption, stringOption } from '../option-values.ts';
import { usageError } from '../parse-command-line.ts';

export const gatewayCommand: CommandSpec = {
  name: 'gateway',
  group: 'run',
  summary: 'Serve your connectors as one MCP server over stdio, for clients that only launch local servers.',
  description:
    'With --stdio, speaks MCP on stdin/stdout (logs go to stderr): the same server as the gateway at /mcp of `patchbay serve`. ' +
    'With PATCHBAY_GATEWAY_TOKEN set and Patchbay running, it relays to that running Patchbay; otherwise it opens the store itself, ' +
    'and serves as that token (its projects; refused once it is revoked), or as you when no token is set. ' +
    'Calls follow your permissions; a tool at Ask is asked in the client when it can, else waits for `patchbay approve`.',
  options: {
    stdio: { type: 'boolean', description: 'Speak MCP over stdin and stdout.' },
    project: { type: 'string', value: 'P', description: 'Only the connectors of this project.' },
    connector: { type: 'string', value: 'NAME', description: 'Only this connector, with its own tool names and resource URIs.' },
    url: { type: 'string', value: 'URL', description: 'The running Patchbay (default PATCHBAY_PUBLIC_URL or http://127.0.0.1:PATCHBAY_PORT).' },
  },
  examples: ['patchbay gateway --stdio', 'patchbay gateway --stdio --project work'],
  runsUntilStopped: true,
  async run(ctx, { values }) {
    if (!flagOption(values, 'stdio')) {
      throw usageError('Use `patchbay gateway --stdio`. Over HTTP, the gateway is part of `patchbay serve` at /mcp.', 'gateway');
    }
    const project = stringOption(values, 'project');
    const connector = stringOption(values, 'connector');
    if (project !== undefined && connector !== undefined) throw usageError('Use --project or --connector, not both.', 'gateway');
    const config = ctx.config();
    const base = (stringOption(values, 'url') ?? publicUrlOf(config)).replace(/\/$/, '');
    const path = project !== undefined ? `/mcp/p/${encodeURIComponent(project)}` : connector !== undefined ? `/mcp/c/${encodeURIComponent(connector)}` : '/mcp';
    let gateway: StdioGateway;
    let close = async () => {};
    if (config.gatewayToken && (await isRunning(base))) {
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, {}, (line) => ctx.io.stderr.write(line));
      gateway = await relayGatewayToHub({ url: `${base}${path}`, token: config.gatewayToken, logger });
    } else {
      const patchbay = await ctx.open();
      let token: InProcessStdioOptions['token'];
      let userId = patchbay.localUser.id;
      if (config.gatewayToken) {
        const secret = config.gatewayToken;
        // No Patchbay answers at `base`: the token still decides what is served, as the running one would.
        const grant = await patchbay.tokens.verify(secret).catch((error: unknown) => {
          const refused = toPatchbayError(error);
          // The token may be one of the Patchbay at `base` (a team's), which this machine's store does not know.
          throw new PatchbayError(refused.code, `PATCHBAY_GATEWAY_TOKEN: no Patchbay answers at ${base}, and this machine's store refuses the token: ${refused.message}`, { cause: error });
        });
        userId = grant.userId;
        token = { id: grant.token.id, projects: grant.projects, verify: () => patchbay.tokens.verify(secret) };
        ctx.io.stderr.write(`No Patchbay answers at ${base}: serving from the store directly, as the token "${grant.token.name}".\n`);
      }
      gateway = await serveGatewayInProcess({
        hub: patchbay.hub,
        logger: patchbay.logger.child({ area: 'gateway' }),
        changes: patchbay.store.changes,
        version: VERSION,
        userId,
        token,
        project,
        connector,
        approvalWaitMs: patchbay.config.gatewayApprovalWaitMs,
        inputWaitMs: patchbay.config.gatewayInputWaitMs,
      });
      close = () => patchbay.close();
    }
    await Promise.race([gateway.closed, new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))]);
    await gateway.close();
    await close();
    return undefined;
  },
};

/** Whether a Patchbay answers at `base` (a quick health check; anything else means no). */
async function isRunning(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(1_500) });
    const body = (await response.json()) as { ok?: unknown };
    return response.ok && body.ok === true;
  } catch (error) {
    if (error instanceof PatchbayError) throw error;
    return false;
  }
}
