import { runStoreOperation } from './database-errors.ts';
import { nowIso, type StoreContext } from './store-context.ts';
import type { LeaseRepository } from './types.ts';

export function createLeaseRepository({ db, clock }: StoreContext): LeaseRepository {
  return {
    acquire: (name, holder, ttlMs) =>
      runStoreOperation('leases.acquire', async () => {
        const now = nowIso(clock);
        const expiresAt = new Date(clock.now() + ttlMs).toISOString();
        // Insert, or take over a lease that ran out or that we already hold; one statement, so two
        // processes cannot both succeed.
        await db
          .insertInto('leases')
          .values({ name, holder, expires_at: expiresAt })
          .onConflict((oc) =>
            oc
              .column('name')
              .doUpdateSet({ holder, expires_at: expiresAt })
              .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
          )
          .execute();
        const row = await db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', name).executeTakeFirst();
        return row?.holder === holder && row.expires_at === expiresAt;
      }),

    release: (name, holder) =>
      runStoreOperation('leases.release', async () => {
        await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
      }),
  };
}
