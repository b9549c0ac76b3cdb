import type { Selectable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { isForeignKeyViolation, runStoreOperation } from './database-errors.ts';
import type { ToolSettingsTable } from './schema.ts';
import { fromFlag, nowIso, type StoreContext, toFlag } from './store-context.ts';
import type { Approval, ToolSetting, ToolSettingRepository } from './types.ts';

function toToolSetting(row: Selectable<ToolSettingsTable>): ToolSetting {
  return { connectorId: row.connector_id, toolName: row.tool_name, enabled: fromFlag(row.enabled), approval: row.approval as Approval, updatedAt: row.updated_at };
}

export function createToolSettingRepository({ db, clock }: StoreContext): ToolSettingRepository {
  return {
    list: (connectorId) =>
      runStoreOperation('toolSettings.list', async () => {
        const rows = await db.selectFrom('tool_settings').selectAll().where('connector_id', '=', connectorId).execute();
        return rows.map(toToolSetting).sort((a, b) => (a.toolName < b.toolName ? -1 : a.toolName > b.toolName ? 1 : 0));
      }),

    put: (setting) =>
      runStoreOperation('toolSettings.put', async () => {
        try {
          const row = await db
            .insertInto('tool_settings')
            .values({
              connector_id: setting.connectorId,
              tool_name: setting.toolName,
              enabled: toFlag(setting.enabled),
              approval: setting.approval,
              updated_at: nowIso(clock),
            })
            .onConflict((oc) =>
              oc.columns(['connector_id', 'tool_name']).doUpdateSet((eb) => ({
                enabled: eb.ref('excluded.enabled'),
                approval: eb.ref('excluded.approval'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .returningAll()
            .executeTakeFirstOrThrow();
          return toToolSetting(row);
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
