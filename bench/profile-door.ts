/**
 * Profiles the door alone: `node --cpu-prof bench/profile-door.ts [sqlite|postgres] [seconds]`
 * runs hub.callTool at 32 in flight against the echo server for a few seconds
 * (`PROFILE_LIMITS=1`: with the usage limits of the bench's limited rows).
 * PostgreSQL uses PATCHBAY_TEST_DATABASE_URL and a schema of its own, dropped at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPatchbay } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { startEchoServer } from './spawn-server.ts';

const store = process.argv[2] ?? 'sqlite';
const seconds = Number(process.argv[3] ?? 5);
const server = await startEchoServer();
const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-prof-'));
const env: Record<string, string> = { PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'silent' };
if (store === 'postgres') {
  env.PATCHBAY_DATABASE_URL = process.env.PATCHBAY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  env.PATCHBAY_DATABASE_SCHEMA = `pb_prof_${process.pid}`;
}
const patchbay = await openPatchbay(loadConfig(env), { logger: silentLogger });
await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url, name: 'plain' });
await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'plain', 'echo', { approval: 'allow', limits: process.env.PROFILE_LIMITS ? { perDay: 1_000_000, concurrent: 1000 } : null });
const actor = patchbay.actor('gateway');
let calls = 0;
const end = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      await patchbay.hub.callTool(actor, 'plain', 'echo', { message: 'hello' });
      calls++;
    }
  }),
);
console.log(`${calls} calls, ${(calls / seconds).toFixed(0)} calls/s`);
await patchbay.close();
await server.close();
if (store === 'postgres') {
  const client = new pg.Client({ connectionString: env.PATCHBAY_DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists "${env.PATCHBAY_DATABASE_SCHEMA}" cascade`);
  await client.end();
}
await rm(dataDir, { recursive: true, force: true });
