import type { ApprovalCard, ChatToolCall, ToolContent } from '../chat-api.ts';

const STATUS_WORDS: Record<ChatToolCall['status'], string> = {
  pending: 'waiting to run',
  'awaiting-approval': 'needs your approval',
  done: 'done',
  error: 'failed',
  refused: 'refused',
  denied: 'denied by you',
  cancelled: 'cancelled',
};

function safeImageSource(content: ToolContent): string | null {
  // Only images, and only as data: URLs, which the page's policy allows; never a server-chosen address.
  if (!content.mimeType || !/^image\/(png|jpeg|gif|webp)$/.test(content.mimeType) || typeof content.data !== 'string') return null;
  if (!/^[A-Za-z0-9+/=]+$/.test(content.data)) return null;
  return `data:${content.mimeType};base64,${content.data}`;
}

function ContentItem(props: { content: ToolContent }) {
  const c = props.content;
  if (c.type === 'text') return <pre className="chat-tool-text">{c.text}</pre>;
  if (c.type === 'image') {
    const src = safeImageSource(c);
    return src ? <img className="chat-tool-image" src={src} alt={`Returned by the tool (${c.mimeType})`} /> : <p className="muted">[image: {c.mimeType}]</p>;
  }
  if (c.type === 'audio') return <p className="muted">[audio: {c.mimeType}]</p>;
  if (c.type === 'resource_link')
    return (
      <p className="chat-tool-link">
        Resource link: <code>{c.uri}</code>
        {c.name ? ` (${c.name})` : ''}
      </p>
    );
  if (c.type === 'resource')
    return (
      <div>
        <p className="chat-tool-link">
          Resource: <code>{c.resource?.uri}</code>
        </p>
        {typeof c.resource?.text === 'string' ? <pre className="chat-tool-text">{c.resource.text}</pre> : null}
      </div>
    );
  return <p className="muted">[{String(c.type)}]</p>;
}

/** A tool call in the conversation: collapsible, with its arguments, result or error in words. */
export function ChatToolCard(props: { call: ChatToolCall; running: boolean; description?: string | null }) {
  const { call } = props;
  const where = call.connector && call.connectorTool ? `${call.connectorTool} on ${call.connector}` : call.toolName;
  const status = props.running ? 'running…' : STATUS_WORDS[call.status];
  const failed = call.status === 'error' || call.status === 'refused' || call.status === 'denied' || call.status === 'cancelled' || call.result?.isError;
  return (
    <details className={`chat-tool ${failed ? 'chat-tool-failed' : ''}`} data-status={call.status}>
      <summary>
        <span className="chat-tool-name">{where}</span> <span className="chat-tool-status">{status}</span>
      </summary>
      <div className="chat-tool-body">
        {props.description ? <p className="muted">{props.description}</p> : null}
        <h4>Arguments</h4>
        <pre className="chat-tool-text">{JSON.stringify(call.arguments, null, 2)}</pre>
        {call.error ? (
          <p className="chat-tool-error" role="note">
            {call.error.message}
          </p>
        ) : null}
        {call.result ? (
          <>
            <h4>{call.result.isError ? 'The tool reported an error' : 'Result'}</h4>
            {(call.result.content ?? []).map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: result items have no identity of their own
              <ContentItem key={i} content={c} />
            ))}
            {call.result.structuredContent !== undefined ? (
              <>
                <h4>Structured content</h4>
                <pre className="chat-tool-text">{JSON.stringify(call.result.structuredContent, null, 2)}</pre>
              </>
            ) : null}
          </>
        ) : null}
      </div>
    </details>
  );
}

/** Asks the person about a call the model wants to make: what, where, with which arguments. */
export function ChatApprovalCard(props: { approval: ApprovalCard; busy: boolean; onAnswer: (answer: 'once' | 'always' | 'deny') => void }) {
  const { approval } = props;
  return (
    <section className="chat-approval" aria-label="Approval needed">
      <h3>
        Allow <code>{approval.tool}</code> on <strong>{approval.connector}</strong>?
      </h3>
      {approval.description ? <p className="chat-approval-description">{approval.description}</p> : null}
      <h4>Arguments</h4>
      <pre className="chat-tool-text">{JSON.stringify(approval.arguments, null, 2)}</pre>
      <div className="chat-approval-actions">
        <button type="button" className="button button-primary" disabled={props.busy} onClick={() => props.onAnswer('once')}>
          Allow once
        </button>
        <button type="button" className="button" disabled={props.busy} onClick={() => props.onAnswer('always')}>
          Always allow
        </button>
        <button type="button" className="button button-danger-quiet" disabled={props.busy} onClick={() => props.onAnswer('deny')}>
          Deny
        </button>
      </div>
    </section>
  );
}
