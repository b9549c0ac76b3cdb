import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import type { ToolSettingsTable } from './schema.ts';
import { fromFlag, nowIso, runAnnouncedOperation, type StoreContext, toFlag } from './store-context.ts';
import type { ReviewState, ToolApproval, ToolSetting, ToolSettingRepository, UsageLimits } from './types.ts';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

function toToolSetting(row: Selectable<ToolSettingsTable>): ToolSetting {
  return {
    connectorId: row.connector_id,
    toolName: row.tool_name,
    enabled: fromFlag(row.enabled),
    approval: row.approval as ToolApproval,
    limits: parse<UsageLimits>(row.limits),
    pinnedHash: row.pinned_hash,
    pinnedDefinition: parse<unknown>(row.pinned_definition),
    reviewState: row.review_state as ReviewState,
    changedDefinition: parse<unknown>(row.changed_definition),
    updatedAt: row.updated_at,
  };
}

export function createToolSettingRepository({ db, clock, changes }: StoreContext): ToolSettingRepository {
  const get = async (connectorId: string, toolName: string) => {
    const row = await db.selectFrom('tool_settings').selectAll().where('connector_id', '=', connectorId).where('tool_name', '=', toolName).executeTakeFirst();
    return row ? toToolSetting(row) : undefined;
  };
  return {
    list: (connectorId) =>
      runStoreOperation('toolSettings.list', async () => {
        const rows = await db.selectFrom('tool_settings').selectAll().where('connector_id', '=', connectorId).execute();
        return rows.map(toToolSetting).sort((a, b) => (a.toolName < b.toolName ? -1 : a.toolName > b.toolName ? 1 : 0));
      }),

    get: (connectorId, toolName) => runStoreOperation('toolSettings.get', () => get(connectorId, toolName)),

    put: (setting) =>
      runAnnouncedOperation(changes, 'toolSettings.put', async () => {
        // Fields the caller leaves out keep what is stored; one transaction so a concurrent
        // change to another field of the same tool is not overwritten with a stale read.
        try {
          return await db.transaction().execute(async (tx) => {
            const current = await tx
              .selectFrom('tool_settings')
              .selectAll()
              .where('connector_id', '=', setting.connectorId)
              .where('tool_name', '=', setting.toolName)
              .executeTakeFirst();
            const base = current ? toToolSetting(current) : undefined;
            const merged = {
              enabled: setting.enabled ?? base?.enabled ?? true,
              approval: setting.approval ?? base?.approval ?? 'default',
              limits: setting.limits !== undefined ? setting.limits : (base?.limits ?? null),
              pinnedHash: setting.pinnedHash !== undefined ? setting.pinnedHash : (base?.pinnedHash ?? null),
              pinnedDefinition: setting.pinnedDefinition !== undefined ? setting.pinnedDefinition : (base?.pinnedDefinition ?? null),
              reviewState: setting.reviewState ?? base?.reviewState ?? 'reviewed',
              changedDefinition: setting.changedDefinition !== undefined ? setting.changedDefinition : (base?.changedDefinition ?? null),
            };
            const values = {
              connector_id: setting.connectorId,
              tool_name: setting.toolName,
              enabled: toFlag(merged.enabled),
              approval: merged.approval,
              limits: json(merged.limits),
              pinned_hash: merged.pinnedHash,
              pinned_definition: json(merged.pinnedDefinition),
              review_state: merged.reviewState,
              changed_definition: json(merged.changedDefinition),
              updated_at: nowIso(clock),
            };
            const row = await tx
              .insertInto('tool_settings')
              .values(values)
              .onConflict((oc) => oc.columns(['connector_id', 'tool_name']).doUpdateSet({ ...values }))
              .returningAll()
              .executeTakeFirstOrThrow();
            return toToolSetting(row);
          });
        } catch (error) {
          if (isForeignKeyViolation(error)) {
            throw new PatchbayError('CONNECTOR_NOT_FOUND', `No connector with id ${setting.connectorId}: it may have been removed meanwhile.`, {
              cause: error,
              details: { id: setting.connectorId },
            });
          }
          throw error;
        }
      }),
  };
}
