/**
 * Hidden text in what remote servers say about themselves. A tool's description is read
 * by a person deciding whether to trust the tool and by a model deciding how to use it;
 * a server can make the two read different things (ANSI sequences a terminal swallows,
 * Unicode tag characters, zero-width and bidirectional controls). `inspectText` shows a
 * person everything and gives a model only what the person could see.
 *
 * @see https://embracethered.com/blog/posts/2024/hiding-and-finding-text-with-unicode-tags/
 * @see https://www.unicode.org/reports/tr9/#Explicit_Directional_Formatting_Characters
 * @see https://ecma-international.org/publications-and-standards/standards/ecma-48/
 */

import {
  classifyCodePoint,
  describeCodePoint,
  formatCodePoint,
  type HiddenClass,
  isLegitimateJoiner,
  isLegitimateVariationSelector,
  variationSelectorByte,
} from './hidden-characters.ts';

export type HiddenKind = 'ansi' | 'tag' | 'zero-width' | 'variation-selector' | 'bidi' | 'control';

export interface HiddenFinding {
  kind: HiddenKind;
  /** Start of the hidden run, in UTF-16 code units (JavaScript string indices). */
  offset: number;
  /** Length of the hidden run, in UTF-16 code units. */
  length: number;
  /** Short, printable: `tag characters spelling "ignore previous instructions"`. */
  description: string;
  /** What tag characters or a run of variation selectors spell. */
  decoded?: string;
}

export interface TextInspection {
  findings: HiddenFinding[];
  /** The text with every hidden run replaced by a printable marker (`⟦U+202E⟧`): safe to print. */
  visible: string;
  /** The text with every hidden run removed: what a model is given. */
  clean: string;
}

const ESC = 0x1b;
const BEL = 0x07;
const C1_ST = 0x9c;
const MARKER_MAX = 200;
const DESCRIPTION_MAX = 120;
const RUN_LIST_MAX = 8;

interface Run {
  kind: HiddenKind;
  start: number;
  end: number;
  codePoints: number[];
}

/**
 * Finds hidden characters in `text` in one pass, without regular expressions over the
 * whole text, so a megabyte of hostile input costs a megabyte of work.
 *
 * A bare carriage return (not followed by a line feed) counts as a control: a terminal
 * uses it to print the visible text over the hidden one. In `clean` it becomes a line
 * feed, so the two lines stay apart.
 */
export function inspectText(text: string): TextInspection {
  const findings: HiddenFinding[] = [];
  const visible: string[] = [];
  const clean: string[] = [];
  let copied = 0;
  // The last code point left in the text, -1 after a hidden one: legitimacy depends on it.
  let previous = -1;
  let run: Run | undefined;

  const emit = (finding: HiddenFinding, marker: string, replacement: string) => {
    if (finding.offset > copied) {
      const kept = text.slice(copied, finding.offset);
      visible.push(kept);
      clean.push(kept);
    }
    visible.push(`⟦${marker}⟧`);
    if (replacement) clean.push(replacement);
    copied = finding.offset + finding.length;
    findings.push(finding);
  };
  const flushRun = () => {
    if (!run) return;
    const current = run;
    run = undefined;
    emit(
      { kind: current.kind, offset: current.start, length: current.end - current.start, description: describeRun(current) },
      formatRun(current.codePoints),
      '',
    );
  };
  const addToRun = (kind: HiddenKind, start: number, end: number, cp: number) => {
    if (run && run.kind === kind && run.end === start) {
      run.end = end;
      run.codePoints.push(cp);
      return;
    }
    flushRun();
    run = { kind, start, end, codePoints: [cp] };
  };
  const emitSequence = (finding: HiddenFinding, marker: string, replacement = '') => {
    flushRun();
    emit(finding, marker, replacement);
    previous = -1;
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a) {
      previous = c;
      i++;
      continue;
    }
    if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) {
        previous = c;
        i++;
      } else {
        emitSequence({ kind: 'control', offset: i, length: 1, description: `control character ${describeCodePoint(c)}` }, formatCodePoint(c), '\n');
        i++;
      }
      continue;
    }
    if (c === ESC || c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      const sequence = scanEscapeSequence(text, i);
      emitSequence({ kind: 'ansi', offset: i, length: sequence.end - i, description: sequence.description }, renderSequence(text.slice(i, sequence.end)));
      i = sequence.end;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    const hidden = classifyCodePoint(cp);
    if (hidden === undefined) {
      previous = cp;
      i += size;
      continue;
    }
    if (hidden === 'tag') {
      const tags = scanTags(text, i);
      if (previous === 0x1f3f4 && isSubdivisionFlag(tags.codePoints)) {
        previous = 0xe007f;
      } else {
        emitSequence(
          { kind: 'tag', offset: i, length: tags.end - i, description: describeTags(tags.decoded), decoded: tags.decoded },
          `tags: ${quote(tags.decoded)}`,
        );
      }
      i = tags.end;
      continue;
    }
    if (hidden === 'variation-selector') {
      const selectors = scanVariationSelectors(text, i);
      if (selectors.codePoints.length === 1 && isLegitimateVariationSelector(cp, previous)) {
        previous = cp;
      } else {
        const decoded = decodeSelectorBytes(selectors.codePoints);
        const finding: HiddenFinding = {
          kind: 'variation-selector',
          offset: i,
          length: selectors.end - i,
          description: decoded
            ? `variation selectors encoding ${selectors.codePoints.length} bytes: ${clip(quote(decoded), DESCRIPTION_MAX)}`
            : `${selectors.codePoints.length === 1 ? 'a variation selector' : `${selectors.codePoints.length} variation selectors`} with nothing to select`,
        };
        if (decoded) finding.decoded = decoded;
        emitSequence(finding, decoded ? `variation selectors: ${quote(decoded)}` : formatRun(selectors.codePoints));
      }
      i = selectors.end;
      continue;
    }
    if (hidden === 'zero-width' && isLegitimateJoiner(cp, previous, i + size < n ? text.codePointAt(i + size)! : -1)) {
      previous = cp;
      i += size;
      continue;
    }
    addToRun(kindOf(hidden), i, i + size, cp);
    previous = -1;
    i += size;
  }
  flushRun();
  if (copied === 0) return { findings, visible: text, clean: text };
  if (copied < n) {
    const rest = text.slice(copied);
    visible.push(rest);
    clean.push(rest);
  }
  return { findings, visible: visible.join(''), clean: clean.join('') };
}

function kindOf(hidden: Exclude<HiddenClass, 'tag' | 'variation-selector'>): HiddenKind {
  return hidden === 'c1' ? 'ansi' : hidden;
}

function describeRun(run: Run): string {
  const count = run.codePoints.length;
  const unique = [...new Set(run.codePoints)];
  const listed = unique.slice(0, 4).map(describeCodePoint).join(', ') + (unique.length > 4 ? ', …' : '');
  const noun = {
    ansi: 'C1 control character',
    control: 'control character',
    bidi: 'bidirectional control',
    'zero-width': 'zero-width character',
    tag: 'tag character',
    'variation-selector': 'variation selector',
  }[run.kind];
  return count === 1 ? `${noun} ${listed}` : `${count} ${noun}s: ${listed}`;
}

/** `U+200B×3 U+200C`, shortened for long runs. */
function formatRun(codePoints: number[]): string {
  const groups: string[] = [];
  let shown = 0;
  for (let k = 0; k < codePoints.length && groups.length < RUN_LIST_MAX; ) {
    let same = 1;
    while (k + same < codePoints.length && codePoints[k + same] === codePoints[k]) same++;
    groups.push(same > 1 ? `${formatCodePoint(codePoints[k])}×${same}` : formatCodePoint(codePoints[k]));
    shown += same;
    k += same;
  }
  if (shown < codePoints.length) groups.push(`… ${codePoints.length} in all`);
  return groups.join(' ');
}

interface EscapeSequence {
  end: number;
  description: string;
}

/**
 * One ECMA-48 escape sequence from `start` (ESC or a C1 introducer). Control strings
 * (OSC, DCS, SOS, PM, APC) run to their terminator; a string cut short by another ESC
 * or by the end of the text is hidden up to there, because a terminal swallows it too.
 */
function scanEscapeSequence(text: string, start: number): EscapeSequence {
  const first = text.charCodeAt(start);
  let body = start + 1;
  let introducer = first;
  if (first === ESC) {
    const next = text.charCodeAt(start + 1);
    if (next === 0x5b || next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
      body = start + 2;
      // ESC [ is CSI, ESC ] is OSC, and so on: the 7-bit forms of the C1 introducers.
      introducer = next + 0x40;
    } else {
      return scanShortEscape(text, start);
    }
  }
  if (introducer === 0x9b) return scanControlSequence(text, start, body);
  return scanControlString(text, body, introducer);
}

function scanShortEscape(text: string, start: number): EscapeSequence {
  let j = start + 1;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  const final = text.charCodeAt(j);
  if (final >= 0x30 && final <= 0x7e) return { end: j + 1, description: `escape sequence ${quote(renderSequence(text.slice(start, j + 1)))}` };
  if (j === start + 1) return { end: j, description: 'lone ESC character' };
  return { end: j, description: `incomplete escape sequence ${quote(renderSequence(text.slice(start, j)))}` };
}

function scanControlSequence(text: string, start: number, body: number): EscapeSequence {
  let j = body;
  while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  const final = text.charCodeAt(j);
  if (final >= 0x40 && final <= 0x7e) {
    const rendered = quote(clip(renderSequence(text.slice(start, j + 1)), DESCRIPTION_MAX));
    return { end: j + 1, description: final === 0x6d ? `ANSI style sequence ${rendered}` : `ANSI control sequence ${rendered}` };
  }
  return { end: j, description: `incomplete ANSI control sequence ${quote(clip(renderSequence(text.slice(start, j)), DESCRIPTION_MAX))}` };
}

const STRING_NAMES = new Map([
  [0x90, 'DCS'],
  [0x98, 'SOS'],
  [0x9d, 'OSC'],
  [0x9e, 'PM'],
  [0x9f, 'APC'],
]);

function scanControlString(text: string, body: number, introducer: number): EscapeSequence {
  let j = body;
  let payloadEnd = -1;
  let end = text.length;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === BEL && introducer === 0x9d) {
      payloadEnd = j;
      end = j + 1;
      break;
    }
    if (c === C1_ST) {
      payloadEnd = j;
      end = j + 1;
      break;
    }
    if (c === ESC) {
      if (text.charCodeAt(j + 1) === 0x5c) {
        payloadEnd = j;
        end = j + 2;
      } else {
        end = j;
      }
      break;
    }
    j++;
  }
  const terminated = payloadEnd >= 0;
  const payload = text.slice(body, terminated ? payloadEnd : end);
  const name = STRING_NAMES.get(introducer);
  const suffix = terminated ? '' : ' (unterminated: it hides the text after it)';
  if (introducer !== 0x9d) return { end, description: `${name} control string${suffix}` };
  return { end, description: describeOsc(payload) + suffix };
}

function describeOsc(payload: string): string {
  const semicolon = payload.indexOf(';');
  const command = semicolon < 0 ? payload : payload.slice(0, semicolon);
  const argument = semicolon < 0 ? '' : payload.slice(semicolon + 1);
  const shown = (value: string) => quote(clip(renderSequence(value), DESCRIPTION_MAX));
  if (command === '8') {
    const uri = argument.slice(argument.indexOf(';') + 1);
    return uri ? `OSC 8 hyperlink to ${shown(uri)}` : 'OSC 8 hyperlink end';
  }
  if (command === '0' || command === '1' || command === '2') return `OSC sequence setting the terminal title to ${shown(argument)}`;
  if (command === '52') return 'OSC 52 sequence writing to the clipboard';
  return `OSC sequence ${shown(payload)}`;
}

/** A sequence made printable: `ESC[31m`, `ESC]8;;https://x ESC\`, `CSI 2J`. */
function renderSequence(raw: string): string {
  let out = '';
  for (const ch of raw) {
    const cp = ch.codePointAt(0)!;
    const gap = out ? ' ' : '';
    if (cp === ESC) out += `${gap}ESC`;
    else if (cp === BEL) out += `${gap}BEL`;
    else if (cp === C1_ST) out += `${gap}ST`;
    else if (cp === 0x9b) out += `${gap}CSI `;
    else if (cp === 0x9d) out += `${gap}OSC `;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else out += `⟨${formatCodePoint(cp)}⟩`;
    if (out.length > MARKER_MAX) return `${out.slice(0, MARKER_MAX)}…`;
  }
  return out;
}

function scanTags(text: string, start: number): { end: number; codePoints: number[]; decoded: string } {
  const codePoints: number[] = [];
  let decoded = '';
  let j = start;
  while (j < text.length) {
    const cp = text.codePointAt(j)!;
    if (cp < 0xe0000 || cp > 0xe007f) break;
    codePoints.push(cp);
    // Tags mirror ASCII: U+E0041 is a hidden "A". The rest (language tag, cancel tag) are named.
    decoded += cp >= 0xe0020 && cp <= 0xe007e ? String.fromCharCode(cp - 0xe0000) : `⟨${formatCodePoint(cp)}⟩`;
    j += 2;
  }
  return { end: j, codePoints, decoded };
}

/**
 * 🏴 followed by a region and subdivision code in tag letters and a cancel tag is how
 * the flags of England, Scotland and Wales are spelled (Unicode emoji tag sequences).
 * @see https://www.unicode.org/reports/tr51/#valid-emoji-tag-sequences
 */
function isSubdivisionFlag(tags: number[]): boolean {
  if (tags.length < 4 || tags.length > 8 || tags[tags.length - 1] !== 0xe007f) return false;
  for (let k = 0; k < tags.length - 1; k++) {
    const ascii = tags[k] - 0xe0000;
    if (!((ascii >= 0x30 && ascii <= 0x39) || (ascii >= 0x61 && ascii <= 0x7a))) return false;
  }
  return true;
}

function describeTags(decoded: string): string {
  return `tag characters spelling ${clip(quote(decoded), DESCRIPTION_MAX)}`;
}

function scanVariationSelectors(text: string, start: number): { end: number; codePoints: number[] } {
  const codePoints: number[] = [];
  let j = start;
  while (j < text.length) {
    const cp = text.codePointAt(j)!;
    if (!((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef))) break;
    codePoints.push(cp);
    j += cp > 0xffff ? 2 : 1;
  }
  return { end: j, codePoints };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Selectors read as UTF-8 bytes, when they make text (the "emoji smuggling" scheme). */
function decodeSelectorBytes(codePoints: number[]): string | undefined {
  if (codePoints.length < 2) return undefined;
  try {
    const decoded = UTF8.decode(Uint8Array.from(codePoints, variationSelectorByte));
    return /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n]+$/u.test(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

/** JSON-style quotes, with controls, format and invisible characters escaped so it is safe to print. */
function quote(value: string): string {
  return JSON.stringify(value).replace(UNPRINTABLE, (ch) => {
    const cp = ch.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** What the definition checks look at; every other field is walked and cleaned as well. */
export interface ToolDefinitionLike {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: object;
  outputSchema?: object;
  annotations?: { title?: string; readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

export interface PromptDefinitionLike {
  name: string;
  title?: string;
  description?: string;
  arguments?: Array<{ name: string; title?: string; description?: string }>;
}

/** A resource or a resource template. */
export interface ResourceDefinitionLike {
  name: string;
  title?: string;
  description?: string;
  uri?: string;
  uriTemplate?: string;
}

export interface DefinitionFinding {
  /** Where, as a property path: `inputSchema.properties.city.enum[2]`. */
  path: string;
  /** 'key': the property name at `path` carries the hidden text, not its value. */
  where: 'value' | 'key';
  finding: HiddenFinding;
}

/** Bounds on one definition's walk: schemas are untrusted, may be huge or deeply nested. */
export interface DefinitionLimits {
  /** Nesting below the definition itself. */
  maxDepth: number;
  /** Objects, arrays and their entries. */
  maxNodes: number;
  /** Characters of strings and property names. */
  maxCharacters: number;
}

export const DEFAULT_DEFINITION_LIMITS: DefinitionLimits = { maxDepth: 64, maxNodes: 50_000, maxCharacters: 4_000_000 };

export interface DefinitionInspection<T> {
  /** True when there is hidden text, or when the definition is over the limits. */
  flagged: boolean;
  findings: DefinitionFinding[];
  /**
   * A deep copy with every string and property name cleaned; the input is not touched.
   * Identifiers (`name`, `uri`, property names) are cleaned too: the caller keeps the
   * original to talk to the server. Over the limits, the parts beyond are left out.
   */
  clean: T;
  /** Set when a limit was reached at `path`: `clean` is then incomplete. */
  exceeded?: { limit: 'depth' | 'nodes' | 'characters'; path: string };
}

export function inspectTool<T extends ToolDefinitionLike>(tool: T, limits?: Partial<DefinitionLimits>): DefinitionInspection<T> {
  return inspectDefinition(tool, limits);
}

export function inspectPrompt<T extends PromptDefinitionLike>(prompt: T, limits?: Partial<DefinitionLimits>): DefinitionInspection<T> {
  return inspectDefinition(prompt, limits);
}

export function inspectResource<T extends ResourceDefinitionLike>(resource: T, limits?: Partial<DefinitionLimits>): DefinitionInspection<T> {
  return inspectDefinition(resource, limits);
}

const OMIT = Symbol('omit');
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Walks a JSON-like value once, never following `$ref` (it is only a string here), with
 * depth, node and character budgets so a hostile schema costs a bounded amount of work.
 */
function inspectDefinition<T>(definition: T, partialLimits: Partial<DefinitionLimits> | undefined): DefinitionInspection<T> {
  const limits = { ...DEFAULT_DEFINITION_LIMITS, ...partialLimits };
  const findings: DefinitionFinding[] = [];
  let exceeded: DefinitionInspection<T>['exceeded'];
  let nodes = 0;
  let characters = 0;

  const stop = (limit: 'depth' | 'nodes' | 'characters', path: string): typeof OMIT => {
    exceeded ??= { limit, path };
    return OMIT;
  };
  const budgetGone = () => exceeded !== undefined && exceeded.limit !== 'depth';
  const cleanString = (value: string, path: string, where: 'value' | 'key'): TextInspection | typeof OMIT => {
    characters += value.length;
    if (characters > limits.maxCharacters) return stop('characters', path);
    const inspection = inspectText(value);
    if (where === 'value') for (const finding of inspection.findings) findings.push({ path, where, finding });
    return inspection;
  };

  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (budgetGone()) return OMIT;
    if (typeof value === 'string') {
      const inspected = cleanString(value, path, 'value');
      return inspected === OMIT ? OMIT : inspected.clean;
    }
    if (typeof value === 'function' || typeof value === 'symbol') return OMIT;
    if (value === null || typeof value !== 'object') return value;
    if (depth > limits.maxDepth) return stop('depth', path);
    if (++nodes > limits.maxNodes) return stop('nodes', path);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let k = 0; k < value.length; k++) {
        if (++nodes > limits.maxNodes) {
          stop('nodes', `${path}[${k}]`);
          break;
        }
        const item = walk(value[k], `${path}[${k}]`, depth + 1);
        if (item !== OMIT) out.push(item);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    const fromHiddenKey = new Set<string>();
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      if (++nodes > limits.maxNodes) {
        stop('nodes', path);
        break;
      }
      const inspected = cleanString(key, path, 'key');
      if (inspected === OMIT) break;
      const hidden = inspected.findings.length > 0;
      const childPath = joinPath(path, hidden ? inspected.visible : key);
      for (const finding of inspected.findings) findings.push({ path: childPath, where: 'key', finding });
      const item = walk((value as Record<string, unknown>)[key], childPath, depth + 1);
      if (item === OMIT) continue;
      const cleanKey = inspected.clean;
      // Two names that differ only in hidden characters: the one without them wins.
      if (Object.hasOwn(out, cleanKey) && (hidden || !fromHiddenKey.has(cleanKey))) continue;
      if (hidden) fromHiddenKey.add(cleanKey);
      else fromHiddenKey.delete(cleanKey);
      // defineProperty, not assignment: a "__proto__" key must stay data, not become a prototype.
      Object.defineProperty(out, cleanKey, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };

  const cleaned = walk(definition, '', 0);
  const clean = (cleaned === OMIT ? {} : cleaned) as T;
  const result: DefinitionInspection<T> = { flagged: findings.length > 0 || exceeded !== undefined, findings, clean };
  if (exceeded) result.exceeded = exceeded;
  return result;
}

function joinPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${quote(key)}]`;
}

/** The parts of a tool result that carry text a model reads. */
export interface ToolResultLike {
  content?: ReadonlyArray<{ type: string; text?: unknown; resource?: unknown } & Record<string, unknown>>;
}

/**
 * A tool result as a model may be given it: every text item, and the text of every
 * embedded resource, without hidden characters. Returns the same object when nothing
 * was hidden (the common case costs one scan and no copy).
 */
export function cleanToolResult<T extends ToolResultLike>(result: T): T {
  const content = result.content;
  if (!Array.isArray(content)) return result;
  let changed = false;
  const cleaned = content.map((item) => {
    if (item.type === 'text' && typeof item.text === 'string') {
      const clean = inspectText(item.text).clean;
      if (clean === item.text) return item;
      changed = true;
      return { ...item, text: clean };
    }
    const resource = item.resource as { text?: unknown } | null | undefined;
    if (item.type === 'resource' && resource && typeof resource.text === 'string') {
      const clean = inspectText(resource.text).clean;
      if (clean === resource.text) return item;
      changed = true;
      return { ...item, resource: { ...resource, text: clean } };
    }
    return item;
  });
  return changed ? { ...result, content: cleaned } : result;
}
