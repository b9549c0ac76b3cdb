/**
 * How results from a server read for people: content blocks, resource contents,
 * prompt messages and sizes. Every string comes from the server and is sanitized by
 * the printer that writes it.
 */
import type { CallToolResult, GetPromptResult, ReadResourceResult } from '@modelcontextprotocol/client';
import { isDeepStrictEqual } from 'node:util';
import { stringifyJson } from './sanitize.ts';

type ContentBlock = CallToolResult['content'][number];
type ResourceContents = ReadResourceResult['contents'][number];

/** 1229 → "1.2 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The decoded size of base64 data, without decoding it. */
export function base64Size(data: string): number {
  const clean = data.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

function resourceLines(resource: ResourceContents, label: string): string[] {
  const mime = resource.mimeType ? ` (${resource.mimeType})` : '';
  if ('text' in resource && typeof resource.text === 'string') return [`[${label} ${resource.uri}${mime}]`, resource.text];
  const blob = 'blob' in resource && typeof resource.blob === 'string' ? resource.blob : '';
  return [`[${label} ${resource.uri}${mime}, ${formatBytes(base64Size(blob))}]`];
}

/** One content block as lines of text. */
export function formatContentBlock(block: ContentBlock): string[] {
  switch (block.type) {
    case 'text':
      return [block.text];
    case 'image':
    case 'audio':
      return [`[${block.type} ${block.mimeType}, ${formatBytes(base64Size(block.data))}]`];
    case 'resource_link': {
      const mime = block.mimeType ? ` (${block.mimeType})` : '';
      const about = [block.title ?? block.name, block.description].filter(Boolean).join(': ');
      return [`[link ${block.uri}${mime}]${about ? ` ${about}` : ''}`];
    }
    case 'resource':
      return resourceLines(block.resource, 'resource');
    default:
      return [`[${String((block as { type?: unknown }).type)} content]`, stringifyJson(block)];
  }
}

/**
 * A tool result as lines: each content block, then structured content as pretty JSON.
 * A text block that only repeats the structured content (as the spec recommends
 * servers send) is not printed twice.
 */
export function formatToolResult(result: CallToolResult): string[] {
  const structured = result.structuredContent;
  const lines: string[] = [];
  for (const block of result.content ?? []) {
    if (structured !== undefined && block.type === 'text' && repeats(block.text, structured)) continue;
    lines.push(...formatContentBlock(block));
  }
  if (structured !== undefined) lines.push(stringifyJson(structured));
  return lines;
}

function repeats(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), value);
  } catch {
    return false;
  }
}

/** Resource contents as lines: text as is, blobs as a summary. */
export function formatResourceContents(contents: ResourceContents[]): string[] {
  if (contents.length === 1 && 'text' in contents[0] && typeof contents[0].text === 'string') return [contents[0].text];
  return contents.flatMap((c) => resourceLines(c, 'contents'));
}

/** Prompt messages as "[role]" headings followed by their content. */
export function formatPromptMessages(result: GetPromptResult): string[] {
  const lines: string[] = [];
  if (result.description) lines.push(result.description, '');
  result.messages.forEach((message, i) => {
    if (i > 0) lines.push('');
    lines.push(`[${message.role}]`, ...formatContentBlock(message.content as ContentBlock));
  });
  return lines;
}
