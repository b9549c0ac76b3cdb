import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { runCli } from './fixtures/cli-process.ts';

describe('patchbay tool / policy / review / approvals / audit', () => {
  let server: ExampleServer;
  let dataDir: string;
  const cli = (...args: string[]) => runCli(args, { env: { PATCHBAY_DATA_DIR: dataDir } });

  before(async () => {
    server = await startExampleServer();
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-policy-'));
    assert.equal((await cli('add', server.url, '--name', 'ex')).code, 0);
  });
  after(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('a blocked tool is refused at the CLI with its own exit code, and unblocked again', async () => {
    const blocked = await cli('tool', 'ex', 'echo', '--approval', 'block', '--json');
    assert.equal(blocked.code, 0, blocked.stderr);
    assert.equal(JSON.parse(blocked.stdout).setting.approval, 'block');
    const call = await cli('call', 'ex', 'echo', '--arg', 'message=x', '--json');
    assert.equal(call.code, 6);
    assert.equal(JSON.parse(call.stdout).error.code, 'TOOL_BLOCKED');
    const tools = await cli('tools', 'ex');
    assert.match(tools.stdout, /NAME\s+APPROVAL\s+STATE/);
    assert.match(tools.stdout, /echo\s+block/);
    assert.equal((await cli('tool', 'ex', 'echo', '--approval', 'default')).code, 0);
    assert.equal((await cli('call', 'ex', 'echo', '--arg', 'message=y')).code, 0, 'your own call is its own approval');
  });

  test('connector policy: default approval and limits', async () => {
    const run = await cli('policy', 'ex', '--default', 'allow', '--per-day', '50', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).policy, { defaultApproval: 'allow', allowReadOnly: false, limits: { perDay: 50 } });
    const cleared = await cli('policy', 'ex', '--default', 'ask', '--per-day', '0', '--json');
    assert.deepEqual(JSON.parse(cleared.stdout).policy, { defaultApproval: 'ask', allowReadOnly: false, limits: null });
    assert.equal((await cli('policy', 'ex', '--default', 'maybe')).code, 2);
  });

  test('review shows a changed tool side by side and approves it', async () => {
    server.setToolDescription('get_audio', 'Now with hidden extras');
    const refreshed = await cli('tools', 'ex', '--refresh');
    assert.match(refreshed.stdout, /get_audio\s+ask\s+CHANGED/);
    const suspended = await cli('call', 'ex', 'get_audio', '--json');
    assert.equal(JSON.parse(suspended.stdout).error.code, 'TOOL_DEFINITION_CHANGED');
    const review = await cli('review', 'ex', 'get_audio');
    assert.match(review.stdout, /description:\n\s+before: "Returns a tenth of a second/);
    assert.match(review.stdout, /now:\s+"Now with hidden extras"/);
    assert.equal((await cli('review', 'ex', 'get_audio', '--approve')).code, 0);
    assert.equal((await cli('call', 'ex', 'get_audio')).code, 0);
  });

  test('approvals is empty for your own calls, and the audit shows every decision', async () => {
    const approvals = await cli('approvals', '--json');
    assert.deepEqual(JSON.parse(approvals.stdout), []);
    const audit = await cli('audit', '--connector', 'ex', '--json');
    const decisions = JSON.parse(audit.stdout).map((e: { decision: string }) => e.decision);
    assert.ok(decisions.includes('refused:TOOL_BLOCKED'));
    assert.ok(decisions.includes('refused:TOOL_DEFINITION_CHANGED'));
    assert.ok(decisions.includes('allowed:direct-call'));
    const table = await cli('audit', '--connector', 'ex');
    assert.match(table.stdout, /TIME\s+DOOR\s+CONNECTOR\s+TOOL\s+DECISION/);
    const lines = await cli('audit', '--jsonl', '--limit', '2');
    assert.equal(lines.stdout.trim().split('\n').length, 2);
    assert.equal((await cli('audit', '--since', 'last tuesday')).code, 2);
    const unknown = await cli('audit', '--connector', 'nosuch');
    assert.equal(unknown.code, 0, 'the record outlives removed connectors: no calls is an answer');
    assert.match(unknown.stderr, /No tool calls recorded for a connector named "nosuch"\. You have no connector of that name now/);
  });
});
