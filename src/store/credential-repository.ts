import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import type { CredentialsTable } from './schema.ts';
import { nowIso, type StoreContext } from './store-context.ts';
import type { CredentialRecord, CredentialRepository } from './types.ts';

function toCredential(row: Selectable<CredentialsTable>): CredentialRecord {
  return { userId: row.user_id, connectorId: row.connector_id, issuer: row.issuer, kind: row.kind, ciphertext: row.ciphertext, updatedAt: row.updated_at };
}

export function createCredentialRepository({ db, clock }: StoreContext): CredentialRepository {
  return {
    get: (userId, connectorId, issuer) =>
      runStoreOperation('credentials.get', async () => {
        const row = await db
          .selectFrom('credentials')
          .selectAll()
          .where('user_id', '=', userId)
          .where('connector_id', '=', connectorId)
          .where('issuer', '=', issuer)
          .executeTakeFirst();
        return row ? toCredential(row) : undefined;
      }),

    list: (userId, connectorId) =>
      runStoreOperation('credentials.list', async () => {
        const rows = await db.selectFrom('credentials').selectAll().where('user_id', '=', userId).where('connector_id', '=', connectorId).execute();
        return rows.map(toCredential).sort((a, b) => (a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : 0));
      }),

    put: (record) =>
      runStoreOperation('credentials.put', async () => {
        try {
          await db
            .insertInto('credentials')
            .values({
              user_id: record.userId,
              connector_id: record.connectorId,
              issuer: record.issuer,
              kind: record.kind,
              ciphertext: record.ciphertext,
              updated_at: nowIso(clock),
            })
            .onConflict((oc) =>
              oc.columns(['user_id', 'connector_id', 'issuer']).doUpdateSet((eb) => ({
                kind: eb.ref('excluded.kind'),
                ciphertext: eb.ref('excluded.ciphertext'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        } catch (error) {
          // A connector removed while a sign-in was in flight.
          if (isForeignKeyViolation(error)) {
            throw new PatchbayError('CONNECTOR_NOT_FOUND', `No connector ${record.connectorId} for user ${record.userId}: it may have been removed meanwhile.`, {
              cause: error,
              details: { id: record.connectorId },
            });
          }
          throw error;
        }
      }),

    remove: (userId, connectorId, issuer) =>
      runStoreOperation('credentials.remove', async () => {
        let query = db.deleteFrom('credentials').where('user_id', '=', userId).where('connector_id', '=', connectorId);
        if (issuer !== undefined) query = query.where('issuer', '=', issuer);
        await query.execute();
      }),
  };
}
