import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Usage reservations in batches, and two indexes fewer on the rows every limited call writes.
 *
 * - The indexes on `usage_counters.updated_at` and `usage_slots.expires_at` only served
 *   pruning, which runs rarely over small tables. Every count moved `updated_at`, so on
 *   PostgreSQL no update of a counter could stay on its heap page (HOT) and each left a
 *   dead entry in every index of the table; every slot wrote one index entry more.
 * - PostgreSQL only: `patchbay_reserve_usage_batch`, the reservations and releases a
 *   process gathered in one turn of its event loop, in one statement and one commit.
 *   With one commit per call, calls of one limited tool each held its counter rows
 *   locked through their own commit's flush to disk, one after another.
 *
 * The batch is `{"now", "touch_before", "releases": [reservation ids], "rows": [counter
 * keys], "groups": [{"now", "ids", "expires", "limits": [{"row": index into rows,
 * "max"}]}]}`, a group being reservations with the same limits, in the order they were
 * asked for. It frees the released slots, then locks every counter row of the batch in
 * the order of `rows` (the caller sorts them, so two batches never wait on each other in
 * a cycle), creating missing ones. Locking writes no new row version unless the row's
 * `updated_at` is older than `touch_before` (an hour ago): `ON CONFLICT DO UPDATE` locks
 * the row it meets even when its WHERE leaves it unchanged, and the occasional touch
 * keeps a concurrent window's row, whose count never moves, from being pruned while in
 * use. A group then reads each of its counts once: as many reservations fit as the
 * tightest limit has room for, and the first ones get them, as if asked one by one; the
 * others are refused by the first limit, in the group's order, that the granted ones
 * fill. A concurrent window's row is the lock its slots are counted under; being locked,
 * a count in a later statement (PL/pgSQL takes a fresh snapshot per statement) sees
 * every slot its previous holder committed. Slots are counted live at the group's
 * earliest `now`, which can only count more. Rows created for groups that got nothing
 * are removed again. It returns per group `{"granted": k, "refusal": null | {"index":
 * limit index, "used": n}}`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_counters_updated_at').execute();
  await db.schema.dropIndex('usage_slots_expires_at').execute();
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create or replace function patchbay_reserve_usage_batch(p jsonb)
    returns jsonb
    language plpgsql
    volatile
    as $body$
    declare
      g jsonb;
      l jsonb;
      gi integer;
      li integer;
      k jsonb;
      n bigint;
      wanted bigint;
      fit bigint;
      used_before bigint[];
      refusal jsonb;
      results jsonb := '[]'::jsonb;
      refused boolean := false;
    begin
      if jsonb_array_length(p->'releases') > 0 then
        delete from usage_slots where reservation_id in (select jsonb_array_elements_text(p->'releases'));
      end if;
      if jsonb_array_length(p->'rows') = 0 then
        return results;
      end if;
      insert into usage_counters (user_id, connector_id, scope, tool_name, window_kind, window_key, used, resets_at, updated_at)
      select x.value->>'user_id', x.value->>'connector_id', x.value->>'scope', x.value->>'tool_name', x.value->>'window_kind',
        x.value->>'window_key', 0, x.value->>'resets_at', p->>'now'
      from jsonb_array_elements(p->'rows') with ordinality as x(value, position)
      order by x.position
      on conflict (user_id, connector_id, scope, tool_name, window_kind, window_key) do update set updated_at = excluded.updated_at
        where usage_counters.updated_at < p->>'touch_before';
      -- Arrays are walked by position: a FOR over a query would open a cursor for each loop.
      for gi in 0 .. jsonb_array_length(p->'groups') - 1 loop
        g := p->'groups'->gi;
        wanted := jsonb_array_length(g->'ids');
        fit := wanted;
        used_before := '{}';
        for li in 0 .. jsonb_array_length(g->'limits') - 1 loop
          l := g->'limits'->li;
          k := p->'rows'->((l->>'row')::integer);
          if k->>'window_kind' = 'concurrent' then
            select count(*) into n from usage_slots
              where user_id = k->>'user_id' and connector_id = k->>'connector_id' and scope = k->>'scope'
                and tool_name = k->>'tool_name' and expires_at > g->>'now';
          else
            select used into n from usage_counters
              where user_id = k->>'user_id' and connector_id = k->>'connector_id' and scope = k->>'scope'
                and tool_name = k->>'tool_name' and window_kind = k->>'window_kind' and window_key = k->>'window_key';
          end if;
          used_before := used_before || n;
          fit := least(fit, greatest((l->>'max')::bigint - n, 0));
        end loop;
        refusal := null;
        if fit < wanted then
          refused := true;
          for li in 0 .. jsonb_array_length(g->'limits') - 1 loop
            if used_before[li + 1] + fit >= (g->'limits'->li->>'max')::bigint then
              refusal := jsonb_build_object('index', li, 'used', used_before[li + 1] + fit);
              exit;
            end if;
          end loop;
        end if;
        if fit > 0 then
          for li in 0 .. jsonb_array_length(g->'limits') - 1 loop
            k := p->'rows'->((g->'limits'->li->>'row')::integer);
            if k->>'window_kind' = 'concurrent' then
              insert into usage_slots (reservation_id, scope, user_id, connector_id, tool_name, expires_at)
              select g->'ids'->>s, k->>'scope', k->>'user_id', k->>'connector_id', k->>'tool_name', g->'expires'->>s
              from generate_series(0, (fit - 1)::integer) as s;
            else
              update usage_counters set used = used + fit, updated_at = p->>'now'
                where user_id = k->>'user_id' and connector_id = k->>'connector_id' and scope = k->>'scope'
                  and tool_name = k->>'tool_name' and window_kind = k->>'window_kind' and window_key = k->>'window_key';
            end if;
          end loop;
        end if;
        results := results || jsonb_build_array(jsonb_build_object('granted', fit, 'refusal', refusal));
      end loop;
      if refused then
        delete from usage_counters c
          using jsonb_array_elements(p->'rows') as x(value)
          where c.used = 0 and c.window_kind <> 'concurrent'
            and c.user_id = x.value->>'user_id' and c.connector_id = x.value->>'connector_id' and c.scope = x.value->>'scope'
            and c.tool_name = x.value->>'tool_name' and c.window_kind = x.value->>'window_kind' and c.window_key = x.value->>'window_key';
      end if;
      return results;
    end;
    $body$
  `.execute(db);
}
