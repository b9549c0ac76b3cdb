import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import { nowIso, type StoreContext } from './store-context.ts';
import type { SignInFlowRepository } from './types.ts';

export function createSignInFlowRepository({ db, clock }: StoreContext): SignInFlowRepository {
  return {
    create: (flow) =>
      runStoreOperation('signInFlows.create', async () => {
        try {
          await db
            .insertInto('sign_in_flows')
            .values({
              id: flow.id,
              user_id: flow.userId,
              connector_id: flow.connectorId,
              ciphertext: flow.ciphertext,
              created_at: flow.createdAt,
              expires_at: flow.expiresAt,
              used_at: null,
            })
            .execute();
        } catch (error) {
          if (isForeignKeyViolation(error)) {
            throw new PatchbayError('CONNECTOR_NOT_FOUND', 'The connector was removed while signing in.', { cause: error });
          }
          throw error;
        }
      }),

    take: (id) =>
      runStoreOperation('signInFlows.take', async () => {
        const now = nowIso(clock);
        // One conditional UPDATE decides who wins: a replayed or concurrent callback updates nothing.
        const result = await db
          .updateTable('sign_in_flows')
          .set({ used_at: now })
          .where('id', '=', id)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        const row = await db.selectFrom('sign_in_flows').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return undefined;
        return { id: row.id, userId: row.user_id, connectorId: row.connector_id, ciphertext: row.ciphertext, createdAt: row.created_at, expiresAt: row.expires_at };
      }),

    prune: (before) =>
      runStoreOperation('signInFlows.prune', async () => {
        const result = await db.deleteFrom('sign_in_flows').where('expires_at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
