import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { PatchbayError } from './errors.ts';

/** Default port of the hub; fixed so bookmarks, the CLI and OAuth redirect URIs stay valid. */
export const DEFAULT_PORT = 7410;

/**
 * The per-user data directory of this OS, as desktop apps use it.
 * Linux: $XDG_DATA_HOME/patchbay or ~/.local/share/patchbay;
 * macOS: ~/Library/Application Support/Patchbay; Windows: %APPDATA%\Patchbay.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv, os: string = platform(), home: string = homedir()): string {
  if (os === 'darwin') return join(home, 'Library', 'Application Support', 'Patchbay');
  if (os === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Patchbay');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'patchbay');
}

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n > 0, `${name} must be greater than 0`);

const boolean = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'must be one of true/false, 1/0, yes/no, on/off' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  PATCHBAY_DATA_DIR: z.string().min(1).optional(),
  PATCHBAY_DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres|postgresql):\/\//.test(v) || /^(sqlite|file):/.test(v) || v.endsWith('.db') || v.endsWith('.sqlite'), {
      message: 'must be a postgres:// URL, a sqlite:<path> / file:<path> URL, or a path ending in .db or .sqlite',
    })
    .optional(),
  PATCHBAY_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a PostgreSQL schema name: lowercase letters, digits and _, starting with a letter or _')
    .optional(),
  PATCHBAY_HOST: z.string().min(1).default('127.0.0.1'),
  PATCHBAY_PORT: z
    .string()
    .regex(/^\d+$/, 'PATCHBAY_PORT must be a whole number')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'PATCHBAY_PORT must be between 0 and 65535')
    .optional(),
  PATCHBAY_PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
  PATCHBAY_CLIENT_METADATA_URL: z
    .url({ protocol: /^https$/, message: 'must be an absolute https URL' })
    .refine((v) => !URL.canParse(v) || new URL(v).pathname !== '/', 'must have a path (e.g. https://example.com/patchbay/client.json)')
    .optional(),
  PATCHBAY_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64 (openssl rand -base64 32)')
    .optional(),
  PATCHBAY_SECRET_KEY_FILE: z.string().min(1).optional(),
  PATCHBAY_ACCESS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PATCHBAY_ALLOWED_HOSTS: z.string().optional(),
  PATCHBAY_ALLOWED_ORIGINS: z.string().optional(),
  PATCHBAY_REQUEST_TIMEOUT_MS: positiveInt('PATCHBAY_REQUEST_TIMEOUT_MS').default(60_000),
  PATCHBAY_CONNECT_TIMEOUT_MS: positiveInt('PATCHBAY_CONNECT_TIMEOUT_MS').default(15_000),
  PATCHBAY_SESSION_IDLE_MS: positiveInt('PATCHBAY_SESSION_IDLE_MS').default(300_000),
  PATCHBAY_MAX_RESPONSE_BYTES: positiveInt('PATCHBAY_MAX_RESPONSE_BYTES').default(16 * 1024 * 1024),
  PATCHBAY_CHAT_MAX_TOOL_STEPS: positiveInt('PATCHBAY_CHAT_MAX_TOOL_STEPS').default(8),
  PATCHBAY_CHAT_TOOL_TOKEN_BUDGET: positiveInt('PATCHBAY_CHAT_TOOL_TOKEN_BUDGET').default(4000),
  PATCHBAY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PATCHBAY_ALLOW_HTTP: boolean.default(false),
  PATCHBAY_PROTOCOL: z.enum(['auto', 'legacy']).default('auto'),
  PATCHBAY_ALLOW_PRIVATE_NETWORKS: boolean.default(false),
  PATCHBAY_AUDIT_RETENTION_DAYS: positiveInt('PATCHBAY_AUDIT_RETENTION_DAYS').default(90),
  PATCHBAY_GATEWAY_APPROVAL_WAIT_MS: z
    .string()
    .regex(/^\d+$/, 'PATCHBAY_GATEWAY_APPROVAL_WAIT_MS must be a whole number of milliseconds')
    .transform(Number)
    .refine((n) => n <= 3_600_000, 'PATCHBAY_GATEWAY_APPROVAL_WAIT_MS must be at most 3600000 (an hour)')
    .default(50_000),
  PATCHBAY_GATEWAY_INPUT_WAIT_MS: positiveInt('PATCHBAY_GATEWAY_INPUT_WAIT_MS')
    .refine((n) => n <= 3_600_000, 'PATCHBAY_GATEWAY_INPUT_WAIT_MS must be at most 3600000 (an hour)')
    .default(60_000),
  PATCHBAY_GATEWAY_TOKEN: z.string().regex(/^pbt_[A-Za-z0-9_-]{43}$/, 'must be a personal access token from `patchbay token create` (pbt_…)').optional(),
  PATCHBAY_LOGIN_PORT: z
    .string()
    .regex(/^\d+$/, 'PATCHBAY_LOGIN_PORT must be a whole number')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'PATCHBAY_LOGIN_PORT must be between 0 and 65535')
    .default(7413),
});

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

export interface Config {
  dataDir: string;
  database: DatabaseConfig;
  host: string;
  port: number;
  /** The URL people and OAuth providers reach the hub at. */
  publicUrl: string | undefined;
  /** Where Patchbay's OAuth client ID metadata document is hosted, when not at `<public https URL>/oauth/client-metadata.json`. */
  clientMetadataUrl: string | undefined;
  secretKey: Buffer | undefined;
  secretKeyFile: string;
  accessToken: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  sessionIdleMs: number;
  maxResponseBytes: number;
  /** Model steps with tool calls one chat turn may take. */
  chatMaxToolSteps: number;
  /** Tokens of tool definitions above which the chat's model gets the search surface instead. */
  chatToolTokenBudget: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Allow plain-http connector URLs on non-loopback hosts for every connector. */
  allowHttp: boolean;
  /** 'auto' probes for the stateless 2026-07-28 protocol first; 'legacy' always uses the 2025 initialize handshake. */
  protocol: 'auto' | 'legacy';
  /** Audit events older than this many days are deleted. */
  auditRetentionDays: number;
  /** Let sign-in traffic (OAuth discovery, tokens) reach private-network addresses. */
  allowPrivateNetworks: boolean;
  /** Port of the CLI's loopback listener for OAuth sign-in (fixed, so redirect URIs stay registered). */
  loginPort: number;
  /**
   * How long a gateway call to a tool at Ask waits for the person's answer in Patchbay
   * when the client cannot ask them itself (no elicitation); 0 refuses at once.
   */
  gatewayApprovalWaitMs: number;
  /**
   * How long a gateway call whose server asked a 2026-07-28 client something (elicitation,
   * sampling) is held for the client's retry with the answer; then it is cancelled.
   */
  gatewayInputWaitMs: number;
  /** The token `patchbay gateway --stdio` sends to a running Patchbay's /mcp (without one it serves from the store itself). */
  gatewayToken: string | undefined;
}

function parseDatabase(value: string | undefined, dataDir: string): DatabaseConfig {
  if (!value) return { kind: 'sqlite', path: join(dataDir, 'patchbay.db') };
  if (/^(postgres|postgresql):\/\//.test(value)) return { kind: 'postgres', url: value };
  const path = value.replace(/^(sqlite|file):(\/\/)?/, '');
  return { kind: 'sqlite', path: path || join(dataDir, 'patchbay.db') };
}

function withSchema(database: DatabaseConfig, schema: string | undefined): DatabaseConfig {
  return database.kind === 'postgres' && schema ? { ...database, schema } : database;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Parses the environment once. Every bad variable is reported together in one
 * `CONFIG_INVALID` error, whose `details.issues` lists them.
 */
/** Where this Patchbay is reached: PATCHBAY_PUBLIC_URL, else its own host and port (a wildcard host as 127.0.0.1). */
export function publicUrlOf(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new PatchbayError('CONFIG_INVALID', `Invalid configuration:\n  ${issues.join('\n  ')}`, { details: { issues } });
  }
  const e = parsed.data;
  const dataDir = e.PATCHBAY_DATA_DIR ?? defaultDataDir(env);
  const port = e.PATCHBAY_PORT ?? DEFAULT_PORT;
  return {
    dataDir,
    database: withSchema(parseDatabase(e.PATCHBAY_DATABASE_URL, dataDir), e.PATCHBAY_DATABASE_SCHEMA),
    host: e.PATCHBAY_HOST,
    port,
    publicUrl: e.PATCHBAY_PUBLIC_URL,
    clientMetadataUrl: e.PATCHBAY_CLIENT_METADATA_URL,
    secretKey: e.PATCHBAY_SECRET_KEY ? Buffer.from(e.PATCHBAY_SECRET_KEY, 'base64') : undefined,
    secretKeyFile: e.PATCHBAY_SECRET_KEY_FILE ?? join(dataDir, 'secret.key'),
    accessToken: e.PATCHBAY_ACCESS_TOKEN,
    allowedHosts: list(e.PATCHBAY_ALLOWED_HOSTS),
    allowedOrigins: list(e.PATCHBAY_ALLOWED_ORIGINS),
    requestTimeoutMs: e.PATCHBAY_REQUEST_TIMEOUT_MS,
    connectTimeoutMs: e.PATCHBAY_CONNECT_TIMEOUT_MS,
    sessionIdleMs: e.PATCHBAY_SESSION_IDLE_MS,
    maxResponseBytes: e.PATCHBAY_MAX_RESPONSE_BYTES,
    chatMaxToolSteps: e.PATCHBAY_CHAT_MAX_TOOL_STEPS,
    chatToolTokenBudget: e.PATCHBAY_CHAT_TOOL_TOKEN_BUDGET,
    logLevel: e.PATCHBAY_LOG_LEVEL,
    allowHttp: e.PATCHBAY_ALLOW_HTTP,
    protocol: e.PATCHBAY_PROTOCOL,
    loginPort: e.PATCHBAY_LOGIN_PORT,
    allowPrivateNetworks: e.PATCHBAY_ALLOW_PRIVATE_NETWORKS,
    auditRetentionDays: e.PATCHBAY_AUDIT_RETENTION_DAYS,
    gatewayApprovalWaitMs: e.PATCHBAY_GATEWAY_APPROVAL_WAIT_MS,
    gatewayInputWaitMs: e.PATCHBAY_GATEWAY_INPUT_WAIT_MS,
    gatewayToken: e.PATCHBAY_GATEWAY_TOKEN,
  };
}
