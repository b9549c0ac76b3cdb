import { type FormEvent, useState } from 'react';
import { messageOf } from '../api.ts';
import type { UsageLimits } from '../types.ts';
import { Field } from './field.tsx';

const WINDOWS: ReadonlyArray<{ key: keyof UsageLimits; label: string; short: string }> = [
  { key: 'perConversation', label: 'Calls per conversation', short: 'per conversation' },
  { key: 'perHour', label: 'Calls per hour', short: 'per hour' },
  { key: 'perDay', label: 'Calls per day', short: 'per day' },
  { key: 'concurrent', label: 'Calls at the same time', short: 'at once' },
];
const MAX = 1_000_000;

/** "10 per hour · 2 at once", or "No limits". */
export function describeLimits(limits: UsageLimits | null | undefined): string {
  const parts = WINDOWS.filter((w) => limits?.[w.key]).map((w) => `${limits?.[w.key]} ${w.short}`);
  return parts.length > 0 ? parts.join(' · ') : 'No limits';
}

type Draft = Record<keyof UsageLimits, string>;

function draftOf(limits: UsageLimits | null): Draft {
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  return { perConversation: text(limits?.perConversation), perHour: text(limits?.perHour), perDay: text(limits?.perDay), concurrent: text(limits?.concurrent) };
}

function problemOf(text: string): string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX) return 'Enter a whole number from 1 to 1,000,000, or leave it empty for no limit.';
  return undefined;
}

/**
 * Usage limits, four windows; an empty field is no limit. Calls over a limit are refused
 * (the store counts them exactly, also across replicas).
 */
export function LimitsForm(props: { limits: UsageLimits | null; saveLabel?: string; onSave: (limits: UsageLimits | null) => Promise<void> }) {
  const [draft, setDraft] = useState(() => draftOf(props.limits));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const problems = Object.fromEntries(WINDOWS.map((w) => [w.key, touched ? problemOf(draft[w.key]) : undefined])) as Record<keyof UsageLimits, string | undefined>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    setSaved(false);
    setError(undefined);
    if (WINDOWS.some((w) => problemOf(draft[w.key]))) return;
    const limits: UsageLimits = {};
    for (const w of WINDOWS) if (draft[w.key].trim() !== '') limits[w.key] = Number(draft[w.key].trim());
    setBusy(true);
    try {
      await props.onSave(Object.keys(limits).length > 0 ? limits : null);
      setSaved(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="limits-form">
      <div className="field-row">
        {WINDOWS.map((w) => (
          <Field key={w.key} label={w.label} error={problems[w.key]}>
            {({ id, describedBy }) => (
              <input
                id={id}
                inputMode="numeric"
                placeholder="No limit"
                value={draft[w.key]}
                onChange={(e) => {
                  setDraft((d) => ({ ...d, [w.key]: e.target.value }));
                  setSaved(false);
                }}
                aria-invalid={problems[w.key] ? true : undefined}
                aria-describedby={describedBy}
                autoComplete="off"
              />
            )}
          </Field>
        ))}
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : (props.saveLabel ?? 'Save limits')}
        </button>
        <span role="status" className="muted">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}
