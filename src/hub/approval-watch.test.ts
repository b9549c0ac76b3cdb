import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createSqliteChangeFeed } from '../store/change-feed.ts';
import { ApprovalWatch } from './approval-watch.ts';

test('a commit by another process between the mark and the wait is not missed, however the feed’s one-millisecond cache falls', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-watch-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'store.db');
  const ours = new DatabaseSync(file);
  const theirs = new DatabaseSync(file);
  t.after(() => {
    ours.close();
    theirs.close();
  });
  ours.exec('PRAGMA journal_mode = WAL; CREATE TABLE approvals (id TEXT)');
  // The feed reads data_version at most once a millisecond: the clock says when. The mark reads
  // afresh (0 ms); the wait's read falls within the same millisecond (cached); every later read is fresh.
  const times = [0, 0.5];
  const feed = createSqliteChangeFeed(ours, () => times.shift() ?? 1_000 + performance.now());
  const watch = new ApprovalWatch(feed);

  const mark = watch.mark();
  theirs.exec("INSERT INTO approvals VALUES ('answered elsewhere')");
  assert.equal(await watch.next(5_000, undefined, mark), 'changed');
});
