import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { MIGRATION_NAMES, openStore } from '../src/store/index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

interface ChildRun {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs a fixture, hands each complete stdout line to `onLine`, and resolves once the
 * process has exited and its output is fully read.
 */
function runFixture(script: string, args: string[], onLine: (line: string, child: ChildProcess) => void, children: Set<ChildProcess>): Promise<ChildRun> {
  const child = spawn(process.execPath, [join(fixtures, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout!.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      onLine(line, child);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ lines, code, signal, stderr });
    });
  });
}

function checkFileIntegrity(path: string): void {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    assert.deepEqual(
      db.prepare('PRAGMA integrity_check').all().map((row) => ({ ...row })),
      [{ integrity_check: 'ok' }],
    );
    assert.deepEqual(db.prepare('PRAGMA foreign_key_check').all(), []);
  } finally {
    db.close();
  }
}

describe('SQLite store under process crashes', () => {
  it('keeps every committed connector when the writer is killed mid-burst', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-crash-'));
    const children = new Set<ChildProcess>();
    t.after(() => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const path = join(dir, 'patchbay.db');

    // Round 0 is killed as it starts opening (likely during the first migration);
    // the others after a varying number of commits.
    const killAfter = [0, 25, 120, 60, 300];
    for (const [round, commits] of killAfter.entries()) {
      const prefix = `r${round}`;
      const run = await runFixture(
        'store-writer.ts',
        [path, prefix],
        (line, child) => {
          if (line === 'opening' ? commits === 0 : Number(line.slice(prefix.length + 1)) + 1 === commits) child.kill('SIGKILL');
        },
        children,
      );
      assert.equal(run.signal, 'SIGKILL', `the writer ended by itself (code ${run.code}): ${run.stderr}`);
      const committed = run.lines.filter((line) => line !== 'opening');
      assert.ok(committed.length >= commits, `round ${round}: ${committed.length} commits reported, expected at least ${commits}`);

      // Opening recovers the file (a hot journal or WAL left by the killed writer);
      // a read-only connection could not, so the checks come after.
      const store = await openStore({ kind: 'sqlite', path });
      try {
        checkFileIntegrity(path);
        assert.deepEqual(await store.migrations(), MIGRATION_NAMES);
        const owner = { kind: 'user', id: (await store.users.ensureLocalUser()).id } as const;
        const present = await store.connectors.list(owner, { tag: prefix });
        const presentNames = new Set(present.map((c) => c.name));
        for (const name of committed) assert.ok(presentNames.has(name), `round ${round}: ${name} was reported committed but is missing`);
        // Every row is whole, reported or not (the child may die between commit and report).
        const reported = new Set(committed);
        for (const connector of present) {
          const n = Number(connector.name.slice(prefix.length + 1));
          assert.deepEqual(
            { url: connector.url, project: connector.project, tags: connector.tags, allowHttp: connector.allowHttp, authKind: connector.authKind },
            { url: `https://${connector.name}.example/mcp`, project: n % 2 === 0 ? 'even' : null, tags: [prefix, `n${n}`], allowHttp: n % 3 === 0, authKind: 'oauth' },
          );
          assert.deepEqual(await store.connectors.get(connector.id), connector);
          if (reported.has(connector.name)) {
            const settings = await store.toolSettings.list(connector.id);
            assert.deepEqual(
              settings.map((s) => [s.toolName, s.enabled]),
              [['echo', n % 2 === 0]],
            );
          }
        }
      } finally {
        await store.close();
      }
      checkFileIntegrity(path);
    }
  });

  it('migrates a new file once when several processes open it at the same moment', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-crash-'));
    const children = new Set<ChildProcess>();
    t.after(() => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const path = join(dir, 'nested', 'patchbay.db');

    const count = 4;
    let ready = 0;
    const waiting: ChildProcess[] = [];
    const runs = Array.from({ length: count }, () =>
      runFixture(
        'store-opener.ts',
        [path],
        (line, child) => {
          if (line !== 'ready') return;
          waiting.push(child);
          // Released together once every process has loaded its code.
          if (++ready === count) for (const c of waiting) c.stdin!.end('go\n');
        },
        children,
      ),
    );
    const results = await Promise.all(runs);
    const reports = results.map((run) => {
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.lines[1]) as { applied: string[]; migrations: string[]; userId: string };
    });
    assert.equal(reports.filter((r) => r.applied.length > 0).length, 1);
    for (const report of reports) assert.deepEqual(report.migrations, MIGRATION_NAMES);
    assert.equal(new Set(reports.map((r) => r.userId)).size, 1);
    checkFileIntegrity(path);
  });
});
