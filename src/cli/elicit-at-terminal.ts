/**
 * Answers a server's request for input (MCP elicitation, form mode) at the terminal:
 * says which connector asks and what, asks one question per field of the requested
 * schema, then lets the person accept, decline or cancel.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 */
import { createInterface } from 'node:readline';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import { sanitizeLine, sanitizeText } from './sanitize.ts';

type Answer = string | number | boolean | string[];

export interface FieldChoice {
  value: string;
  label: string;
}

/** One question, read from a property of the requested schema. */
export interface ElicitationField {
  key: string;
  label: string;
  description?: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'choice' | 'choices';
  required: boolean;
  default?: Answer;
  choices?: FieldChoice[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

export interface TerminalQuestionOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Line editing and echo (true when input is a terminal). */
  terminal?: boolean;
  signal?: AbortSignal;
  /** Ctrl-C while a question is open: the caller cancels the whole operation. */
  onInterrupt?(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function readChoices(schema: Record<string, unknown>): FieldChoice[] | undefined {
  if (Array.isArray(schema.enum)) {
    const names = Array.isArray(schema.enumNames) ? schema.enumNames : [];
    return schema.enum.map((v, i) => ({ value: String(v), label: typeof names[i] === 'string' ? names[i] : String(v) }));
  }
  const options = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
  if (!options) return undefined;
  return options.filter(isRecord).map((o) => ({ value: String(o.const), label: str(o.title) ?? String(o.const) }));
}

/** The questions to ask, in the order the schema lists its properties. */
export function readElicitationFields(requestedSchema: unknown): ElicitationField[] {
  if (!isRecord(requestedSchema) || !isRecord(requestedSchema.properties)) return [];
  const required = new Set(Array.isArray(requestedSchema.required) ? requestedSchema.required.filter((r) => typeof r === 'string') : []);
  const fields: ElicitationField[] = [];
  for (const [key, raw] of Object.entries(requestedSchema.properties)) {
    if (!isRecord(raw)) continue;
    const base = { key, label: str(raw.title) ?? key, description: str(raw.description), required: required.has(key) };
    if (raw.type === 'array') {
      const items = isRecord(raw.items) ? raw.items : {};
      const def = Array.isArray(raw.default) ? raw.default.map(String) : undefined;
      fields.push({ ...base, kind: 'choices', choices: readChoices(items) ?? [], default: def, minimum: num(raw.minItems), maximum: num(raw.maxItems) });
      continue;
    }
    const choices = raw.type === 'string' || raw.type === undefined ? readChoices(raw) : undefined;
    if (choices) {
      fields.push({ ...base, kind: 'choice', choices, default: str(raw.default) });
    } else if (raw.type === 'boolean') {
      fields.push({ ...base, kind: 'boolean', default: typeof raw.default === 'boolean' ? raw.default : undefined });
    } else if (raw.type === 'number' || raw.type === 'integer') {
      fields.push({ ...base, kind: raw.type, default: num(raw.default), minimum: num(raw.minimum), maximum: num(raw.maximum) });
    } else {
      fields.push({ ...base, kind: 'string', default: str(raw.default), minLength: num(raw.minLength), maxLength: num(raw.maxLength), format: str(raw.format) });
    }
  }
  return fields;
}

function pickChoice(field: ElicitationField, text: string): string | undefined {
  const choices = field.choices ?? [];
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (n >= 1 && n <= choices.length) return choices[n - 1].value;
  return choices.find((c) => c.value === text || c.label.toLowerCase() === text.toLowerCase())?.value;
}

/**
 * Reads one typed answer. `skip` means "leave it out" (an optional field left empty);
 * `error` says what is wrong so the question is asked again.
 */
export function parseFieldAnswer(field: ElicitationField, input: string): { value: Answer } | { skip: true } | { error: string } {
  const text = input.trim();
  if (text === '') {
    if (field.default !== undefined) return { value: field.default };
    return field.required ? { error: 'An answer is required.' } : { skip: true };
  }
  switch (field.kind) {
    case 'boolean': {
      if (/^(y|yes|true|1)$/i.test(text)) return { value: true };
      if (/^(n|no|false|0)$/i.test(text)) return { value: false };
      return { error: 'Answer yes or no.' };
    }
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n) || (field.kind === 'integer' && !Number.isInteger(n))) return { error: `Enter ${field.kind === 'integer' ? 'a whole number' : 'a number'}.` };
      if (field.minimum !== undefined && n < field.minimum) return { error: `Enter at least ${field.minimum}.` };
      if (field.maximum !== undefined && n > field.maximum) return { error: `Enter at most ${field.maximum}.` };
      return { value: n };
    }
    case 'choice': {
      const value = pickChoice(field, text);
      return value === undefined ? { error: 'Pick one of the listed choices (its number or its value).' } : { value };
    }
    case 'choices': {
      const picked: string[] = [];
      for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
        const value = pickChoice(field, part);
        if (value === undefined) return { error: `"${sanitizeLine(part).slice(0, 40)}" is not one of the choices.` };
        if (!picked.includes(value)) picked.push(value);
      }
      if (field.minimum !== undefined && picked.length < field.minimum) return { error: `Pick at least ${field.minimum}.` };
      if (field.maximum !== undefined && picked.length > field.maximum) return { error: `Pick at most ${field.maximum}.` };
      return { value: picked };
    }
    default: {
      if (field.minLength !== undefined && text.length < field.minLength) return { error: `Enter at least ${field.minLength} characters.` };
      if (field.maxLength !== undefined && text.length > field.maxLength) return { error: `Enter at most ${field.maxLength} characters.` };
      return { value: input.replace(/^\s+|\s+$/g, '') };
    }
  }
}

function describeField(field: ElicitationField): { heading: string[]; prompt: string } {
  const heading: string[] = [];
  if (field.description) heading.push(`  ${sanitizeLine(field.description)}`);
  for (const [i, c] of (field.choices ?? []).entries()) {
    heading.push(`    ${i + 1}) ${sanitizeLine(c.label)}${c.label !== c.value ? ` [${sanitizeLine(c.value)}]` : ''}`);
  }
  const hint =
    field.kind === 'choices'
      ? 'numbers or values, comma-separated'
      : field.kind === 'choice'
        ? 'number or value'
        : field.kind === 'boolean'
          ? 'y/n'
          : field.format
            ? `${field.kind}, ${sanitizeLine(field.format)}`
            : field.kind;
  const def = field.default === undefined ? '' : ` [${sanitizeLine(Array.isArray(field.default) ? field.default.join(', ') : String(field.default))}]`;
  return { heading, prompt: `${sanitizeLine(field.label)}${field.required ? ' *' : ''} (${hint})${def}: ` };
}

/** Asks the person at the terminal; resolves with what to send back to the server. */
export async function answerAtTerminal(params: ElicitRequest['params'], connector: string, options: TerminalQuestionOptions): Promise<ElicitResult> {
  const { output } = options;
  const write = (text: string) => output.write(text);
  const who = sanitizeLine(connector);
  write(`\nConnector "${who}" asks for input:\n  ${sanitizeText(params.message).split('\n').join('\n  ')}\n`);
  if (params.mode === 'url') {
    write('It asks you to open a web page, which this command line does not do yet; declining.\n');
    return { action: 'decline' };
  }
  const fields = readElicitationFields(params.requestedSchema);
  if (fields.length > 0) write('Fields marked * are required; press Enter to keep the [default].\n');

  const rl = createInterface({ input: options.input, output: options.output, terminal: options.terminal ?? false });
  const lines = rl[Symbol.asyncIterator]();
  let interrupted = false;
  // Input may end while typed-ahead lines are still buffered: those are still answers.
  let inputClosed = false;
  rl.on('close', () => {
    inputClosed = true;
  });
  const stop = new Promise<null>((resolve) => {
    const onAbort = () => resolve(null);
    if (options.signal?.aborted) resolve(null);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    rl.on('SIGINT', () => {
      interrupted = true;
      options.onInterrupt?.();
      resolve(null);
    });
  });
  const ask = async (prompt: string): Promise<string | null> => {
    if (inputClosed) {
      write(prompt);
    } else {
      rl.setPrompt(prompt);
      rl.prompt();
    }
    const next = await Promise.race([lines.next(), stop]);
    if (next === null || next.done) return null;
    return next.value;
  };

  try {
    const content: Record<string, Answer> = {};
    for (const field of fields) {
      const { heading, prompt } = describeField(field);
      for (const line of heading) write(`${line}\n`);
      for (;;) {
        const line = await ask(prompt);
        if (line === null) return cancelled(write, interrupted);
        const parsed = parseFieldAnswer(field, line);
        if ('error' in parsed) {
          write(`  ${parsed.error}\n`);
          continue;
        }
        if ('value' in parsed) content[field.key] = parsed.value;
        break;
      }
    }
    for (;;) {
      const line = await ask(`Send ${fields.length > 0 ? 'these answers' : 'a reply'} to "${who}"? [a]ccept, [d]ecline, [c]ancel (a): `);
      if (line === null) return cancelled(write, interrupted);
      const choice = line.trim().toLowerCase();
      if (choice === '' || choice === 'a' || choice === 'accept') return { action: 'accept', content };
      if (choice === 'd' || choice === 'decline') return { action: 'decline' };
      if (choice === 'c' || choice === 'cancel') return { action: 'cancel' };
      write('  Answer a, d or c.\n');
    }
  } finally {
    rl.close();
  }
}

function cancelled(write: (text: string) => void, interrupted: boolean): ElicitResult {
  write(interrupted ? '\n' : '\nNo answer (input ended); cancelling the request for input.\n');
  return { action: 'cancel' };
}
