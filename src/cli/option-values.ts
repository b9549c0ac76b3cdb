/**
 * Typed reads of parsed option values, and the `--arg key=value` syntax.
 */
import { PatchbayError } from '../core/errors.ts';
import type { OptionValues } from './command.ts';
import { usageError } from './parse-command-line.ts';

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function flagOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** A whole number option within bounds, or undefined when absent. */
export function integerOption(values: OptionValues, name: string, command: string, bounds: { min: number; max: number }): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw usageError(`--${name} must be a whole number from ${bounds.min} to ${bounds.max}, not "${raw.slice(0, 40)}"`, command);
  }
  return n;
}

/** One of a fixed set of values, or undefined when absent. */
export function choiceOption<T extends string>(values: OptionValues, name: string, command: string, choices: readonly T[]): T | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw usageError(`--${name} must be one of ${choices.join(', ')}, not "${raw.slice(0, 40)}"`, command);
  return raw as T;
}

/**
 * Turns `--arg key=value` pairs into an object. With `parseJson`, a value that parses
 * as JSON (a number, boolean, null, object, array or quoted string) is taken as that;
 * anything else stays a string. A key given twice keeps the last value.
 */
export function parseKeyValues(pairs: string[], options: { parseJson: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new PatchbayError('INVALID_ARGUMENTS', `--arg needs key=value, not "${pair.slice(0, 80)}" (for example --arg count=3 or --arg text=hello).`);
    }
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    Object.defineProperty(out, key, { value: options.parseJson ? parseLooseJson(raw) : raw, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseLooseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A positional JSON argument that must be an object. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PatchbayError('INVALID_ARGUMENTS', `${what} is not valid JSON: ${(error as Error).message}. Pass an object such as '{"key": "value"}', or use --arg key=value.`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PatchbayError('INVALID_ARGUMENTS', `${what} must be a JSON object such as '{"key": "value"}'.`);
  }
  return value as Record<string, unknown>;
}
