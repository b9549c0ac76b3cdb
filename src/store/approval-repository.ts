import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import type { ApprovalRequestsTable } from './schema.ts';
import { fromFlag, type StoreContext, toFlag } from './store-context.ts';
import type { ApprovalRepository, ApprovalRequest, ApprovalStatus } from './types.ts';

function toApproval(row: Selectable<ApprovalRequestsTable>): ApprovalRequest {
  return {
    id: row.id,
    userId: row.user_id,
    connectorId: row.connector_id,
    toolName: row.tool_name,
    argumentsHash: row.arguments_hash,
    arguments: JSON.parse(row.arguments),
    description: row.description,
    door: row.door,
    status: row.status as ApprovalStatus,
    always: fromFlag(row.always),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
    answeredBy: row.answered_by,
  };
}

export function createApprovalRepository({ db }: StoreContext): ApprovalRepository {
  const get = async (id: string) => {
    const row = await db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toApproval(row) : undefined;
  };
  return {
    create: (request) =>
      runStoreOperation('approvals.create', async () => {
        try {
          const row = await db
            .insertInto('approval_requests')
            .values({
              id: request.id,
              user_id: request.userId,
              connector_id: request.connectorId,
              tool_name: request.toolName,
              arguments_hash: request.argumentsHash,
              arguments: JSON.stringify(request.arguments),
              description: request.description,
              door: request.door,
              status: 'pending',
              always: 0,
              created_at: request.createdAt,
              expires_at: request.expiresAt,
              answered_at: null,
              answered_by: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toApproval(row);
        } catch (error) {
          if (isForeignKeyViolation(error)) throw new PatchbayError('CONNECTOR_NOT_FOUND', 'The connector was removed meanwhile.', { cause: error });
          throw error;
        }
      }),

    get: (id) => runStoreOperation('approvals.get', () => get(id)),

    listPending: (userId, now) =>
      runStoreOperation('approvals.listPending', async () => {
        const rows = await db
          .selectFrom('approval_requests')
          .selectAll()
          .where('user_id', '=', userId)
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .orderBy('created_at', 'desc')
          .execute();
        return rows.map(toApproval);
      }),

    answer: (id, answer) =>
      runStoreOperation('approvals.answer', async () => {
        // Conditional update: a request is answered once, and never after it expired.
        const result = await db
          .updateTable('approval_requests')
          .set({ status: answer.allow ? 'allowed' : 'denied', always: toFlag(answer.allow && answer.always), answered_at: answer.now, answered_by: answer.answeredBy })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .where('expires_at', '>', answer.now)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1 ? get(id) : undefined;
      }),

    consume: (id, argumentsHash, now) =>
      runStoreOperation('approvals.consume', async () => {
        const result = await db
          .updateTable('approval_requests')
          .set({ status: 'used' })
          .where('id', '=', id)
          .where('status', '=', 'allowed')
          .where('arguments_hash', '=', argumentsHash)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }),

    withdraw: (id) =>
      runStoreOperation('approvals.withdraw', async () => {
        const result = await db.updateTable('approval_requests').set({ status: 'expired' }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }),
  };
}
