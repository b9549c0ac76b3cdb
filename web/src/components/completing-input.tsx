import { useEffect, useRef, useState } from 'react';
import { messageOf } from '../api.ts';
import { Field } from './field.tsx';

const DELAY_MS = 200;

/**
 * A text field that asks the server for completions (`completion/complete`) as the
 * person types, and lists them as buttons that fill the field. Suggestions are server
 * text, shown as text.
 */
export function CompletingInput(props: {
  label: string;
  hint?: string;
  value: string;
  required?: boolean;
  onChange: (value: string) => void;
  complete: (value: string) => Promise<string[]>;
}) {
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [focused, setFocused] = useState(false);
  const complete = useRef(props.complete);
  complete.current = props.complete;

  useEffect(() => {
    if (!focused) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const values = await complete.current(props.value);
        if (!cancelled) {
          setSuggestions(values.filter((v) => typeof v === 'string').slice(0, 20));
          setError(undefined);
        }
      } catch (err) {
        if (!cancelled) {
          setSuggestions([]);
          setError(messageOf(err));
        }
      }
    }, DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [props.value, focused]);

  return (
    <Field label={props.label} hint={props.hint}>
      {({ id, describedBy }) => (
        <>
          <input
            id={id}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            onFocus={() => setFocused(true)}
            aria-describedby={describedBy}
            aria-required={props.required ? true : undefined}
            autoComplete="off"
            spellCheck={false}
          />
          {suggestions.length > 0 ? (
            <ul className="suggestions" aria-label={`Suggestions for ${props.label}`}>
              {suggestions.map((s) => (
                <li key={s}>
                  <button type="button" className="button button-small" onClick={() => props.onChange(s)}>
                    {s}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {error ? <p className="field-hint">Completion failed: {error}</p> : null}
        </>
      )}
    </Field>
  );
}
