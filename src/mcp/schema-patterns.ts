import { createContext, Script } from 'node:vm';

/**
 * What a server's JSON Schema needs before it is compiled and run: its regular
 * expressions, which the server wrote and which can be made to backtrack for minutes
 * (`^(a+)+$` on `aaa…!`), blocking every request of the process; and its `$id`s, which
 * would otherwise be registered in the validator every schema shares, so that one
 * server's schema could stand in for another's (a `$ref` to it, or the same `$id`).
 */

/** Nodes of one schema walked at most; a larger schema gets no check of ours (the server still checks). */
const MAX_SCHEMA_NODES = 200_000;
const MAX_SCHEMA_DEPTH = 256;

export interface PreparedSchema {
  /** A copy without `$id`: it can neither be found by another schema nor replace one. */
  schema: unknown;
  /** Every regular expression in it: `pattern` values and `patternProperties` keys. */
  patterns: string[];
}

/** The schema to compile, and its patterns; throws when it is too large or deep to walk. */
export function prepareSchema(schema: unknown): PreparedSchema {
  const patterns: string[] = [];
  let nodes = 0;
  const copy = (value: unknown, depth: number): unknown => {
    if (++nodes > MAX_SCHEMA_NODES || depth > MAX_SCHEMA_DEPTH) throw new RangeError('The schema is too large to check.');
    if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // A keyword's value is a string; a property that happens to be named "$id" is a schema (an object) and stays.
      if (key === '$id' && typeof item === 'string') continue;
      if (key === 'pattern' && typeof item === 'string') patterns.push(item);
      if (key === 'patternProperties' && item !== null && typeof item === 'object' && !Array.isArray(item)) patterns.push(...Object.keys(item));
      out[key] = copy(item, depth + 1);
    }
    return out;
  };
  return { schema: copy(schema, 0), patterns };
}

/**
 * Whether V8 runs the pattern in linear time whatever the input: anchored at the start
 * (one attempt, not one per position), no alternation, no quantified group, no
 * lookaround or back-reference, and at most one quantifier that leaves a choice (`*`,
 * `+`, `?`, `{n,}`, `{n,m}`; an exact `{n}` leaves none). `^[a-z0-9-]+$` and
 * `^\d{4}-\d{2}-\d{2}$` are; `^(a+)+$` and `^\s*,\s*$` are not, and are checked on the watchdog.
 */
export function runsInLinearTime(pattern: string): boolean {
  if (!pattern.startsWith('^') || pattern.length > 1_000) return false;
  let choices = 0;
  for (let i = 1; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return false;
      i++;
    } else if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      if (pattern[i + 1] !== '?') continue;
      if (pattern[i + 2] !== ':') return false;
      i += 2;
    } else if (c === ')') {
      if (/[*+?{]/.test(pattern[i + 1] ?? '')) return false;
    } else if (c === '|') {
      return false;
    } else if (c === '*' || c === '+' || c === '?') {
      choices++;
      if (pattern[i + 1] === '?') i++;
    } else if (c === '{') {
      const bound = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!bound) continue;
      if (bound[2] !== undefined && bound[3] !== bound[1]) choices++;
      i += bound[0].length - 1;
      if (pattern[i + 1] === '?') i++;
    }
  }
  return choices <= 1;
}

/** Runs `job` on a watchdog that stops it after `ms` (it then throws ERR_SCRIPT_EXECUTION_TIMEOUT). Costs a few hundred µs, so only for checks that need it. */
export const withinTime = (() => {
  let job: (() => unknown) | undefined;
  const context = createContext({ run: () => job?.() });
  const script = new Script('run()');
  return <T>(fn: () => T, ms: number): T => {
    job = fn;
    try {
      return script.runInContext(context, { timeout: ms }) as T;
    } finally {
      job = undefined;
    }
  };
})();
