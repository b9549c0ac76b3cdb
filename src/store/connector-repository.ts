import type { Selectable, Updateable } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isUniqueViolation, runStoreOperation } from './database-errors.ts';
import type { ConnectorsTable } from './schema.ts';
import { fromFlag, nowIso, runAnnouncedOperation, type StoreContext, toFlag } from './store-context.ts';
import type { Approval, AuthKind, Connector, ConnectorPatch, ConnectorRepository, ConnectorStatus, NewConnector, Owner, OwnerKind, TransportPreference, UsageLimits } from './types.ts';

function toConnector(row: Selectable<ConnectorsTable>): Connector {
  return {
    id: row.id,
    owner: { kind: row.owner_kind as OwnerKind, id: row.owner_id },
    name: row.name,
    url: row.url,
    project: row.project,
    tags: JSON.parse(row.tags) as string[],
    transport: row.transport as TransportPreference,
    authKind: row.auth_kind as AuthKind,
    allowHttp: fromFlag(row.allow_http),
    status: row.status as ConnectorStatus,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as Connector['lastError']),
    server: row.server === null ? null : (JSON.parse(row.server) as Connector['server']),
    policy: {
      defaultApproval: row.default_approval as Approval,
      allowReadOnly: fromFlag(row.allow_read_only),
      limits: row.limits === null ? null : (JSON.parse(row.limits) as UsageLimits),
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const toJsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** Only the fields the patch names; `undefined` leaves a column as it is, `null` clears it. */
function toColumns(patch: ConnectorPatch): Updateable<ConnectorsTable> {
  const set: Updateable<ConnectorsTable> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.project !== undefined) set.project = patch.project;
  if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
  if (patch.transport !== undefined) set.transport = patch.transport;
  if (patch.authKind !== undefined) set.auth_kind = patch.authKind;
  if (patch.allowHttp !== undefined) set.allow_http = toFlag(patch.allowHttp);
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.lastError !== undefined) set.last_error = toJsonOrNull(patch.lastError);
  if (patch.server !== undefined) set.server = toJsonOrNull(patch.server);
  if (patch.policy !== undefined) {
    set.default_approval = patch.policy.defaultApproval;
    set.allow_read_only = toFlag(patch.policy.allowReadOnly);
    set.limits = toJsonOrNull(patch.policy.limits);
  }
  return set;
}

function nameTaken(name: string, cause: unknown): PatchbayError {
  return new PatchbayError('NAME_TAKEN', `A connector named "${name}" already exists. Choose another name, or remove or rename the existing connector.`, {
    cause,
    details: { name },
  });
}

function notFound(id: string): PatchbayError {
  return new PatchbayError('CONNECTOR_NOT_FOUND', `No connector with id ${id}. List connectors to see the ones that exist.`, { details: { id } });
}

/** Code-unit order, the same on both databases whatever PostgreSQL's collation. */
const byName = (a: Connector, b: Connector) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function createConnectorRepository({ db, clock, changes }: StoreContext): ConnectorRepository {
  return {
    create: (input: NewConnector) =>
      runAnnouncedOperation(changes, 'connectors.create', async () => {
        const now = nowIso(clock);
        try {
          const row = await db
            .insertInto('connectors')
            .values({
              id: newId(),
              owner_kind: input.owner.kind,
              owner_id: input.owner.id,
              name: input.name,
              url: input.url,
              project: input.project ?? null,
              tags: JSON.stringify(input.tags ?? []),
              transport: input.transport ?? 'auto',
              auth_kind: input.authKind ?? 'none',
              allow_http: toFlag(input.allowHttp ?? false),
              status: 'new',
              last_error: null,
              server: null,
              created_at: now,
              updated_at: now,
              default_approval: 'ask',
              allow_read_only: 0,
              limits: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toConnector(row);
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(input.name, error);
          throw error;
        }
      }),

    get: (id) =>
      runStoreOperation('connectors.get', async () => {
        const row = await db.selectFrom('connectors').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toConnector(row) : undefined;
      }),

    getByName: (owner: Owner, name: string) =>
      runStoreOperation('connectors.getByName', async () => {
        const row = await db
          .selectFrom('connectors')
          .selectAll()
          .where('owner_kind', '=', owner.kind)
          .where('owner_id', '=', owner.id)
          .where('name', '=', name)
          .executeTakeFirst();
        return row ? toConnector(row) : undefined;
      }),

    list: (owner, filter = {}) =>
      runStoreOperation('connectors.list', async () => {
        let query = db.selectFrom('connectors').selectAll().where('owner_kind', '=', owner.kind).where('owner_id', '=', owner.id);
        if (filter.project !== undefined) query = query.where('project', '=', filter.project);
        const connectors = (await query.execute()).map(toConnector);
        // Tags are a JSON array; filtering here keeps the SQL the same on both databases.
        const tag = filter.tag;
        return (tag === undefined ? connectors : connectors.filter((c) => c.tags.includes(tag))).sort(byName);
      }),

    update: (id, patch) =>
      runAnnouncedOperation(changes, 'connectors.update', async () => {
        try {
          const row = await db
            .updateTable('connectors')
            .set({ ...toColumns(patch), updated_at: nowIso(clock) })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirst();
          if (!row) throw notFound(id);
          return toConnector(row);
        } catch (error) {
          if (isUniqueViolation(error)) throw nameTaken(patch.name ?? '', error);
          throw error;
        }
      }),

    remove: (id) =>
      runAnnouncedOperation(changes, 'connectors.remove', () =>
        // The foreign keys cascade too; deleting explicitly keeps the outcome the same
        // on a database opened without foreign key enforcement.
        db
          .transaction()
          .execute(async (trx) => {
            await trx.deleteFrom('tool_settings').where('connector_id', '=', id).execute();
            await trx.deleteFrom('catalog_entries').where('connector_id', '=', id).execute();
            await trx.deleteFrom('credentials').where('connector_id', '=', id).execute();
            const result = await trx.deleteFrom('connectors').where('id', '=', id).executeTakeFirst();
            return result.numDeletedRows > 0n;
          }),
      ),
  };
}
