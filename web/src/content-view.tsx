/**
 * Shows what a server sent — resource contents and prompt message blocks — as a person
 * should see untrusted data: text as literal text, images only from the data the server
 * sent (never fetched from an address), anything else described by type and size.
 */
import type { MessageContent, ResourceContent } from './types.ts';

/** Raster formats the browser shows from data; SVG is left out (it is a document, not a picture). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes a base64 text decodes to. */
export function decodedSize(base64: string): number {
  const clean = base64.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A picture from base64 data, or undefined when the type or the data is not one Patchbay shows. */
function imageFrom(mimeType: string | undefined, data: string, alt: string) {
  const type = (mimeType ?? '').toLowerCase().split(';')[0].trim();
  const clean = data.replace(/\s+/g, '');
  if (!IMAGE_TYPES.has(type) || !BASE64.test(clean)) return undefined;
  return <img className="content-image" src={`data:${type};base64,${clean}`} alt={alt} />;
}

function Described(props: { what: string; mimeType?: string; bytes: number }) {
  return (
    <p className="content-described">
      {props.what}: {props.mimeType || 'no type given'}, {formatBytes(props.bytes)} — not shown.
    </p>
  );
}

export function ResourceContentView(props: { content: ResourceContent }) {
  const { content } = props;
  return (
    <figure className="content-item" data-uri={content.uri}>
      <figcaption className="muted">
        <code>{content.uri}</code>
        {content.mimeType ? ` · ${content.mimeType}` : ''}
      </figcaption>
      {typeof content.text === 'string' ? (
        <pre className="code-block content-text">{content.text}</pre>
      ) : typeof content.blob === 'string' ? (
        (imageFrom(content.mimeType, content.blob, `Image from ${content.uri}`) ?? <Described what="Binary content" mimeType={content.mimeType} bytes={decodedSize(content.blob)} />)
      ) : (
        <p className="content-described">No content.</p>
      )}
    </figure>
  );
}

export function MessageContentView(props: { content: MessageContent }) {
  const c = props.content;
  if (c.type === 'text' && typeof c.text === 'string') return <pre className="code-block content-text">{c.text}</pre>;
  if ((c.type === 'image' || c.type === 'audio') && typeof c.data === 'string') {
    const mimeType = typeof c.mimeType === 'string' ? c.mimeType : undefined;
    return (c.type === 'image' ? imageFrom(mimeType, c.data, 'Image in the prompt') : undefined) ?? <Described what={c.type === 'image' ? 'Image' : 'Audio'} mimeType={mimeType} bytes={decodedSize(c.data)} />;
  }
  if (c.type === 'resource' && typeof c.resource === 'object' && c.resource !== null) return <ResourceContentView content={c.resource as ResourceContent} />;
  if (c.type === 'resource_link' && typeof c.uri === 'string') {
    return (
      <p className="content-described">
        Link to a resource: <code>{c.uri}</code>
      </p>
    );
  }
  return <p className="content-described">A “{String(c.type).slice(0, 40)}” block — not shown.</p>;
}
