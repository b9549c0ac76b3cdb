import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * PostgreSQL only: `patchbay_reserve_usage`, the whole of one usage reservation in one
 * statement. Taking the counts from the client cost a round trip per step with the
 * counter rows locked throughout, so calls of one limited tool queued behind each other's
 * network trips; inside the server the locks are held for microseconds.
 *
 * It does what the client-side transaction in `usage-repository.ts` does, step for step:
 * limits come in lock order; a calendar or conversation window is one conditional upsert;
 * a concurrent window locks its counter row, then counts live slots in a new statement
 * (a volatile PL/pgSQL function takes a fresh snapshot per statement, so the count sees
 * every slot committed by the lock's previous holder), then inserts its slot. A refusal
 * raises inside an inner block, which rolls back the counts already taken, and returns
 * `{"index": i, "used": n}`; success returns null.
 *
 * SQLite runs one writer at a time in-process and keeps the client-side transaction.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create or replace function patchbay_reserve_usage(p_limits jsonb, p_reservation text, p_now text, p_slot_expires text)
    returns jsonb
    language plpgsql
    volatile
    as $body$
    declare
      l jsonb;
      i integer := 0;
      n bigint;
      refusal text;
    begin
      begin
        for l in select value from jsonb_array_elements(p_limits) loop
          if l->>'window_kind' = 'concurrent' then
            insert into usage_counters (user_id, connector_id, scope, tool_name, window_kind, window_key, used, resets_at, updated_at)
            values (l->>'user_id', l->>'connector_id', l->>'scope', l->>'tool_name', 'concurrent', '', 0, null, p_now)
            on conflict (user_id, connector_id, scope, tool_name, window_kind, window_key) do update set updated_at = excluded.updated_at;
            select count(*) into n from usage_slots
              where user_id = l->>'user_id' and connector_id = l->>'connector_id' and scope = l->>'scope'
                and tool_name = l->>'tool_name' and expires_at > p_now;
            if n >= (l->>'max')::bigint then
              raise exception 'usage limit reached' using errcode = 'PB001', detail = json_build_object('index', i, 'used', n)::text;
            end if;
            insert into usage_slots (reservation_id, scope, user_id, connector_id, tool_name, expires_at)
            values (p_reservation, l->>'scope', l->>'user_id', l->>'connector_id', l->>'tool_name', p_slot_expires);
          else
            n := null;
            if (l->>'max')::bigint > 0 then
              insert into usage_counters (user_id, connector_id, scope, tool_name, window_kind, window_key, used, resets_at, updated_at)
              values (l->>'user_id', l->>'connector_id', l->>'scope', l->>'tool_name', l->>'window_kind', l->>'window_key', 1, l->>'resets_at', p_now)
              on conflict (user_id, connector_id, scope, tool_name, window_kind, window_key)
                do update set used = usage_counters.used + 1, updated_at = excluded.updated_at
                where usage_counters.used < (l->>'max')::bigint
              returning used into n;
            end if;
            if n is null then
              select used into n from usage_counters
                where user_id = l->>'user_id' and connector_id = l->>'connector_id' and scope = l->>'scope'
                  and tool_name = l->>'tool_name' and window_kind = l->>'window_kind' and window_key = l->>'window_key';
              raise exception 'usage limit reached' using errcode = 'PB001', detail = json_build_object('index', i, 'used', coalesce(n, 0))::text;
            end if;
          end if;
          i := i + 1;
        end loop;
      exception when sqlstate 'PB001' then
        get stacked diagnostics refusal = pg_exception_detail;
        return refusal::jsonb;
      end;
      return null;
    end;
    $body$
  `.execute(db);
}
