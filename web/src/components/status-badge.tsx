import type { Tone } from '../words.ts';

export function Badge(props: { tone: Tone; children: string; title?: string }) {
  return (
    <span className={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}

export function Notice(props: { tone: Tone; children: React.ReactNode; onDismiss?: () => void }) {
  return (
    <div className={`notice notice-${props.tone}`} role={props.tone === 'error' ? 'alert' : 'status'}>
      <div className="notice-text">{props.children}</div>
      {props.onDismiss ? (
        <button type="button" className="icon-button" onClick={props.onDismiss} aria-label="Dismiss">
          ×
        </button>
      ) : null}
    </div>
  );
}
