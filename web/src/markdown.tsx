/**
 * A small markdown renderer for what servers write (instructions, descriptions): it
 * builds React elements, so nothing the server wrote is ever parsed as HTML. Raw HTML
 * stays visible as text; images are never loaded (a placeholder names them); links
 * become links only for http and https, open in a new tab with rel="noopener noreferrer"
 * and are marked as going to another site — any other link is shown as written.
 * Supported: paragraphs, headings, bullet and numbered lists, block quotes, fenced code,
 * `code`, **strong**, *emphasis*, [links](https://…).
 */
import type { ReactNode } from 'react';

const MAX_DEPTH = 4;
const INLINE =
  /`([^`\n]+)`|!\[([^\]\n]*)\]\(([^)\s]*)(?:\s+"[^"\n]*")?\)|\[([^\]\n]+)\]\(([^)\s]+)(?:\s+"[^"\n]*")?\)|\*\*([^*\n]+)\*\*|__([^_\n]+)__|\*([^*\s][^*\n]*)\*|(?<![A-Za-z0-9])_([^_\s][^_\n]*)_(?![A-Za-z0-9])/g;

/** The address as a link may use it, or undefined: only absolute http(s) addresses. */
export function safeLinkTarget(href: string): string | undefined {
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function inline(text: string, depth = 0): ReactNode[] {
  if (depth > MAX_DEPTH) return [text];
  const out: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(INLINE)) {
    const start = m.index ?? 0;
    if (start > last) out.push(text.slice(last, start));
    last = start + m[0].length;
    const k = `${depth}-${key++}`;
    if (m[1] !== undefined) {
      out.push(<code key={k}>{m[1]}</code>);
    } else if (m[3] !== undefined) {
      out.push(
        <span key={k} className="md-image">
          [image{m[2] ? `: ${m[2]}` : ''} — not loaded]
        </span>,
      );
    } else if (m[4] !== undefined) {
      const href = safeLinkTarget(m[5]);
      if (!href) {
        out.push(m[0]);
        continue;
      }
      out.push(
        <a key={k} href={href} target="_blank" rel="noopener noreferrer" className="external" title={href}>
          {m[4]}
          <span aria-hidden="true"> ↗</span>
          <span className="visually-hidden"> (opens another site)</span>
        </a>,
      );
    } else if (m[6] !== undefined || m[7] !== undefined) {
      out.push(<strong key={k}>{inline(m[6] ?? m[7], depth + 1)}</strong>);
    } else {
      out.push(<em key={k}>{inline(m[8] ?? m[9], depth + 1)}</em>);
    }
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

type Block =
  | { kind: 'p'; lines: string[] }
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'quote'; lines: string[] }
  | { kind: 'code'; text: string };

function blocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push({ kind: 'heading', level: heading[1].length, text: heading[2] });
      i++;
      continue;
    }
    const list = /^\s*([-*+]|\d{1,9}[.)])\s+/;
    if (list.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && list.test(lines[i]) && /^\s*\d/.test(lines[i]) === ordered) items.push(lines[i++].replace(list, ''));
      out.push({ kind: ordered ? 'ol' : 'ul', items });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ''));
      out.push({ kind: 'quote', lines: quoted });
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^\s*(```|~~~|#{1,6}\s|>|[-*+]\s|\d{1,9}[.)]\s)/.test(lines[i])) para.push(lines[i++]);
    if (para.length === 0) para.push(lines[i++]);
    out.push({ kind: 'p', lines: para });
  }
  return out;
}

function withBreaks(lines: string[]): ReactNode[] {
  return lines.map((line, n) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id and never reorder
    <span key={n}>
      {n > 0 ? <br /> : null}
      {inline(line)}
    </span>
  ));
}

/** Server-written markdown as safe React elements. */
export function Markdown(props: { text: string; className?: string }) {
  return (
    <div className={props.className ? `markdown ${props.className}` : 'markdown'}>
      {blocks(props.text).map((block, n) => {
        const key = `b${n}`;
        switch (block.kind) {
          case 'heading':
            return (
              <p key={key} className={`md-heading md-h${block.level}`}>
                <strong>{inline(block.text)}</strong>
              </p>
            );
          case 'ul':
          case 'ol': {
            const items = block.items.map((item, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: list items have no id and never reorder
              <li key={j}>{inline(item)}</li>
            ));
            return block.kind === 'ul' ? <ul key={key}>{items}</ul> : <ol key={key}>{items}</ol>;
          }
          case 'quote':
            return <blockquote key={key}>{withBreaks(block.lines)}</blockquote>;
          case 'code':
            return (
              <pre key={key} className="code-block">
                <code>{block.text}</code>
              </pre>
            );
          default:
            return <p key={key}>{withBreaks(block.lines)}</p>;
        }
      })}
    </div>
  );
}
