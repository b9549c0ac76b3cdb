import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { runStoreOperation } from './database-errors.ts';
import type { UsersTable } from './schema.ts';
import { nowIso, type StoreContext } from './store-context.ts';
import type { User, UserRepository } from './types.ts';

const LOCAL_KEY = 'local';

function toUser(row: Selectable<UsersTable>): User {
  return { id: row.id, kind: row.kind, name: row.name, email: row.email, createdAt: row.created_at };
}

export function createUserRepository({ db, clock }: StoreContext): UserRepository {
  const findLocal = () => db.selectFrom('users').selectAll().where('local_key', '=', LOCAL_KEY).executeTakeFirst();

  return {
    ensureLocalUser: () =>
      runStoreOperation('users.ensureLocalUser', async () => {
        const existing = await findLocal();
        if (existing) return toUser(existing);
        // Racing callers (other processes, other replicas) all insert; the unique
        // local_key keeps one row and everyone reads that one back.
        await db
          .insertInto('users')
          .values({ id: newId(), kind: 'local', name: 'Local user', email: null, local_key: LOCAL_KEY, created_at: nowIso(clock) })
          .onConflict((oc) => oc.column('local_key').doNothing())
          .execute();
        const row = await findLocal();
        if (!row) throw new PatchbayError('STORE_ERROR', 'The local user could not be created. Check that the database is writable, then retry.');
        return toUser(row);
      }),

    get: (id) =>
      runStoreOperation('users.get', async () => {
        const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toUser(row) : undefined;
      }),
  };
}
