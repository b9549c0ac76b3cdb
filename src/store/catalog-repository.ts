import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import type { CatalogEntriesTable } from './schema.ts';
import { runAnnouncedOperation, type StoreContext } from './store-context.ts';
import type { CatalogEntry, CatalogKind, CatalogRepository } from './types.ts';

function toCatalogEntry(row: Selectable<CatalogEntriesTable>): CatalogEntry {
  return { connectorId: row.connector_id, userId: row.user_id, kind: row.kind as CatalogKind, items: JSON.parse(row.items) as unknown[], fetchedAt: row.fetched_at };
}

export function createCatalogRepository({ db, changes }: StoreContext): CatalogRepository {
  return {
    get: (connectorId, userId, kind) =>
      runStoreOperation('catalog.get', async () => {
        const row = await db
          .selectFrom('catalog_entries')
          .selectAll()
          .where('connector_id', '=', connectorId)
          .where('user_id', '=', userId)
          .where('kind', '=', kind)
          .executeTakeFirst();
        return row ? toCatalogEntry(row) : undefined;
      }),

    put: (entry) =>
      runAnnouncedOperation(changes, 'catalog.put', async () => {
        try {
          await db
            .insertInto('catalog_entries')
            .values({ connector_id: entry.connectorId, user_id: entry.userId, kind: entry.kind, items: JSON.stringify(entry.items), fetched_at: entry.fetchedAt })
            .onConflict((oc) =>
              oc.columns(['connector_id', 'user_id', 'kind']).doUpdateSet((eb) => ({ items: eb.ref('excluded.items'), fetched_at: eb.ref('excluded.fetched_at') })),
            )
            .execute();
        } catch (error) {
          // A connector removed while its catalog was being fetched.
          if (isForeignKeyViolation(error)) {
            throw new PatchbayError('CONNECTOR_NOT_FOUND', `No connector ${entry.connectorId} for user ${entry.userId}: it may have been removed meanwhile.`, {
              cause: error,
              details: { id: entry.connectorId },
            });
          }
          throw error;
        }
      }),

    clear: (connectorId, userId) =>
      runAnnouncedOperation(changes, 'catalog.clear', async () => {
        let query = db.deleteFrom('catalog_entries').where('connector_id', '=', connectorId);
        if (userId !== undefined) query = query.where('user_id', '=', userId);
        await query.execute();
      }),
  };
}
