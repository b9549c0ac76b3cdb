/**
 * The composition root: the one place that wires implementations together.
 * Surfaces (CLI, HTTP server) get a `Patchbay` and use its hub.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, publicUrlOf } from './core/config.ts';
import { PatchbayError } from './core/errors.ts';
import { createFileOnce } from './core/files.ts';
import { randomToken } from './core/ids.ts';
import { createLogger, type Logger } from './core/log.ts';
import { checkOutboundUrl, createAddressGuardConnector, createGuardedFetch, createMetadataGuardConnector, loadVaultKey, resolveOutboundUrl, Vault } from './auth/index.ts';
import { AccessTokens, type Actor, Chat, type Door, Doctor, Hub, isLoopbackHost, ModelEndpoints, SignIn } from './hub/index.ts';
import { createMcpFetch, type FetchLike, SessionPool } from './mcp/index.ts';
import { openStore, type Store, type User } from './store/index.ts';

export const VERSION = '0.1.0';

export interface Patchbay {
  config: Config;
  store: Store;
  hub: Hub;
  /** Personal access tokens (the gateway's callers). */
  tokens: AccessTokens;
  /** The chat: conversations whose model uses the person's connectors through the hub. */
  chat: Chat;
  /** The person's LLM endpoints (keys in the vault). */
  models: ModelEndpoints;
  pool: SessionPool;
  logger: Logger;
  localUser: User;
  /** The local user acting through a door. */
  actor(door: Door): Actor;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger?: Logger;
  /** Wraps the MCP fetch (the CLI's --verbose uses it to print the raw exchange). */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
}

export async function openPatchbay(config: Config, options: OpenOptions = {}): Promise<Patchbay> {
  const logger = options.logger ?? createLogger(config.logLevel);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const vault = new Vault(await loadVaultKey({ key: config.secretKey, keyFile: config.secretKeyFile, logger }));
  const store = await openStore(config.database, { logger, schema: config.database.kind === 'postgres' ? config.database.schema : undefined });
  const localUser = await store.users.ensureLocalUser();
  // Local mode (bound to loopback): one person's machine, whose servers may be on it or on its LAN.
  // Otherwise every address a connector resolves to is checked, so nobody reaches the deployment's
  // own network, loopback or cloud metadata through a connector URL.
  const localMode = isLoopbackHost(config.host);
  const policy = { allowLoopback: localMode, allowPrivate: localMode || config.allowPrivateNetworks };
  // Even on a person's own machine, a connector never reaches a cloud metadata endpoint.
  const http = createMcpFetch({ maxResponseBytes: config.maxResponseBytes, connect: localMode ? createMetadataGuardConnector() : createAddressGuardConnector(policy) });
  const fetch = options.wrapFetch ? options.wrapFetch(http.fetch) : http.fetch;
  let hub: Hub | undefined;
  const pool = new SessionPool(
    {
      fetch,
      requestTimeoutMs: config.requestTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
      idleMs: config.sessionIdleMs,
      protocol: config.protocol,
      clientInfo: { name: 'patchbay', version: VERSION },
      logger: logger.child({ area: 'mcp' }),
    },
    (target) => hub!.sessionHooks(target),
  );
  const publicUrl = publicUrlOf(config);
  // Sign-in follows URLs that servers name: private networks only when allowed, even in local mode.
  const guarded = createGuardedFetch({ allowLoopback: localMode, allowPrivate: config.allowPrivateNetworks });
  const signIn = new SignIn({
    store,
    vault,
    fetch: guarded,
    redirectUrl: new URL('/oauth/callback', publicUrl).toString(),
    clientMetadataUrl: config.clientMetadataUrl ?? (publicUrl.startsWith('https:') ? new URL('/oauth/client-metadata.json', publicUrl).toString() : undefined),
    loginRedirectUrl: `http://127.0.0.1:${config.loginPort}/callback`,
    allowLoopbackHttp: localMode,
    logger: logger.child({ area: 'sign-in' }),
  });
  // Refuse at once, with a clear message, what the connection guard would refuse later.
  const hubUrlCheck: ((url: string) => Promise<void>) | undefined = localMode
    ? undefined
    : async (url) => {
        checkOutboundUrl(url, policy);
        try {
          await resolveOutboundUrl(url, policy);
        } catch (error) {
          if (error instanceof PatchbayError) throw error;
          throw new PatchbayError('CONNECTOR_UNREACHABLE', `The host of ${url} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'DNS error'}). Check the URL.`, { cause: error });
        }
      };
  hub = new Hub({
    store,
    pool,
    vault,
    signIn,
    logger: logger.child({ area: 'hub' }),
    requestTimeoutMs: config.requestTimeoutMs,
    // The doctor probes under the same address policies as sessions (connectors) and sign-in (authorization servers).
    doctor: new Doctor({
      store,
      vault,
      connectorPolicy: policy,
      authPolicy: { allowLoopback: localMode, allowPrivate: config.allowPrivateNetworks },
      clientInfo: { name: 'patchbay', version: VERSION },
      clientMetadataUrl: signIn.clientMetadataDocument()?.client_id as string | undefined,
      protocol: config.protocol,
      stepTimeoutMs: config.connectTimeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      logger: logger.child({ area: 'doctor' }),
    }),
    checkConnectorUrl: hubUrlCheck,
  });
  // Retention: at start, then daily (a timer that never keeps the process alive).
  const prune = () => hub!.pruneHistory(config.auditRetentionDays).catch((error) => logger.warn('pruning history failed', { error }));
  await prune();
  const pruner = setInterval(() => void prune(), 86_400_000);
  pruner.unref();
  // Model endpoints are reached under the same address policy as connectors; answers stream for minutes.
  const modelFetch = createGuardedFetch(policy, { timeoutMs: Math.max(config.requestTimeoutMs, 600_000), maxBodyBytes: config.maxResponseBytes });
  const models = new ModelEndpoints({ store, vault, fetch: modelFetch, checkUrl: hubUrlCheck });
  const chat = new Chat({ hub, models, store, logger: logger.child({ area: 'chat' }), maxToolSteps: config.chatMaxToolSteps, toolTokenBudget: config.chatToolTokenBudget });
  let closed = false;
  const tokens = new AccessTokens(store, logger.child({ area: 'tokens' }));
  return {
    config,
    store,
    hub,
    tokens,
    chat,
    models,
    pool,
    logger,
    localUser,
    actor: (door) => ({ userId: localUser.id, door }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruner);
      await hub!.auditIdle();
      await tokens.flushUses();
      await pool.closeAll();
      await http.close().catch(() => {});
      await guarded.close().catch(() => {});
      await modelFetch.close().catch(() => {});
      await store.close();
    },
  };
}

/**
 * The per-install access token that protects the local HTTP API: from
 * PATCHBAY_ACCESS_TOKEN, else a random token kept in the data directory (mode 0600).
 */
export async function loadAccessToken(config: Config): Promise<string> {
  if (config.accessToken) return config.accessToken;
  const path = join(config.dataDir, 'access-token');
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PatchbayError('CONFIG_INVALID', `Cannot read the access token file ${path}: ${(error as Error).message}. Fix its permissions or delete it.`, {
        cause: error,
      });
    }
  }
  const token = `pb_${randomToken(24)}`;
  // Another process may have created it first: then theirs is the one.
  if (!(await createFileOnce(path, `${token}\n`))) return (await readFile(path, 'utf8')).trim();
  return token;
}
