import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, isUniqueViolation, runStoreOperation } from './database-errors.ts';
import type { AccessTokensTable } from './schema.ts';
import { runAnnouncedOperation, type StoreContext } from './store-context.ts';
import type { AccessToken, AccessTokenRepository } from './types.ts';

function toAccessToken(row: Selectable<AccessTokensTable>): AccessToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    projects: row.projects === null ? null : (JSON.parse(row.projects) as string[]),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function createAccessTokenRepository({ db, changes }: StoreContext): AccessTokenRepository {
  return {
    create: (token) =>
      runStoreOperation('accessTokens.create', async () => {
        try {
          const row = await db
            .insertInto('access_tokens')
            .values({
              id: token.id,
              user_id: token.userId,
              name: token.name,
              token_hash: token.tokenHash,
              prefix: token.prefix,
              projects: token.projects === null ? null : JSON.stringify(token.projects),
              created_at: token.createdAt,
              last_used_at: null,
              revoked_at: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toAccessToken(row);
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new PatchbayError('NAME_TAKEN', `You already have a token named "${token.name}". Choose another name, or revoke that one first.`, { cause: error });
          }
          if (isForeignKeyViolation(error)) throw new PatchbayError('NOT_FOUND', 'The user this token was for does not exist.', { cause: error });
          throw error;
        }
      }),

    findByHash: (tokenHash) =>
      runStoreOperation('accessTokens.findByHash', async () => {
        const row = await db.selectFrom('access_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        return row ? toAccessToken(row) : undefined;
      }),

    list: (userId) =>
      runStoreOperation('accessTokens.list', async () => {
        const rows = await db.selectFrom('access_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').execute();
        const tokens = rows.map(toAccessToken);
        return [...tokens.filter((t) => t.revokedAt === null), ...tokens.filter((t) => t.revokedAt !== null)];
      }),

    // Announced, so a process keeping verified tokens in memory refuses a revoked one from its next request.
    revoke: (userId, id, now) =>
      runAnnouncedOperation(changes, 'accessTokens.revoke', async () => {
        const row = await db
          .updateTable('access_tokens')
          .set({ revoked_at: now })
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        return row ? toAccessToken(row) : undefined;
      }),

    touch: (id, now) =>
      runStoreOperation('accessTokens.touch', async () => {
        await db.updateTable('access_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
      }),
  };
}
