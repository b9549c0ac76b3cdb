import { SettingsTabs } from '../components/settings-tabs.tsx';
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { listModels, type ModelEndpoint, type ModelProvider } from '../chat-api.ts';
import { Notice } from '../components/status-badge.tsx';
import { followLink } from '../router.ts';

const PROVIDERS: Array<{ value: ModelProvider; label: string; hint: string }> = [
  { value: 'anthropic', label: 'Anthropic', hint: 'Claude models through the Anthropic API. Leave the base URL empty.' },
  { value: 'openai', label: 'OpenAI', hint: 'OpenAI models through the Chat Completions API. Leave the base URL empty.' },
  {
    value: 'openai-compatible',
    label: 'OpenAI-compatible',
    hint: 'Any server that speaks the OpenAI Chat Completions API: Ollama (http://127.0.0.1:11434/v1), vLLM, LM Studio, OpenRouter…',
  },
];

function AddModelForm(props: { onAdded: (model: ModelEndpoint) => void }) {
  const ids = { provider: useId(), baseUrl: useId(), model: useId(), apiKey: useId(), name: useId() };
  const [provider, setProvider] = useState<ModelProvider>('openai-compatible');
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { model: added } = await apiRequest<{ model: ModelEndpoint }>('POST', '/api/models', {
        provider,
        baseUrl: baseUrl.trim() || null,
        model: model.trim(),
        apiKey: apiKey.trim() || null,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      setModel('');
      setApiKey('');
      setName('');
      props.onAdded(added);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const hint = PROVIDERS.find((p) => p.value === provider)?.hint;
  return (
    <form className="card" onSubmit={submit} aria-label="Add a model">
      <h2>Add a model</h2>
      <div className="field">
        <label htmlFor={ids.provider}>Provider</label>
        <select id={ids.provider} value={provider} onChange={(e) => setProvider(e.target.value as ModelProvider)} aria-describedby={`${ids.provider}-hint`}>
          {PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
        <p className="field-hint" id={`${ids.provider}-hint`}>
          {hint}
        </p>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.baseUrl}>Base URL</label>
          <input id={ids.baseUrl} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder={provider === 'openai-compatible' ? 'http://127.0.0.1:11434/v1' : 'the provider’s own API'} />
        </div>
        <div className="field">
          <label htmlFor={ids.model}>Model id</label>
          <input id={ids.model} value={model} onChange={(e) => setModel(e.target.value)} required placeholder={provider === 'anthropic' ? 'claude-sonnet-4-5' : provider === 'openai' ? 'gpt-4.1' : 'llama3.1'} />
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.apiKey}>API key</label>
          <input id={ids.apiKey} type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} aria-describedby={`${ids.apiKey}-hint`} />
          <p className="field-hint" id={`${ids.apiKey}-hint`}>
            Kept encrypted; never shown again.
          </p>
        </div>
        <div className="field">
          <label htmlFor={ids.name}>Name (optional)</label>
          <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} maxLength={80} />
        </div>
      </div>
      {error ? <Notice tone="error">{error}</Notice> : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        Add model
      </button>
    </form>
  );
}

/** Settings › Models: the LLM endpoints the chat can use. */
export function SettingsModelsPage() {
  const [models, setModels] = useState<ModelEndpoint[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    listModels().then(setModels, (e) => setError(messageOf(e)));
  }, []);
  useEffect(load, [load]);
  const remove = async (model: ModelEndpoint) => {
    if (!window.confirm(`Remove the model “${model.name}”? Conversations using it will need another model.`)) return;
    try {
      await apiRequest('DELETE', `/api/models/${encodeURIComponent(model.id)}`);
      load();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <main className="page narrow">
      <SettingsTabs current="models" />
      <div className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">
            The LLMs the{' '}
            <a href="/chat" onClick={followLink}>
              chat
            </a>{' '}
            can talk to. Each conversation picks one.
          </p>
        </div>
      </div>
      {error ? <Notice tone="error">{error}</Notice> : null}
      <section className="card" aria-label="Configured models">
        <h2>Configured models</h2>
        {models === null ? (
          <p className="muted">Loading…</p>
        ) : models.length === 0 ? (
          <p className="muted">No model yet. Add one below.</p>
        ) : (
          <ul className="model-list">
            {models.map((m) => (
              <li key={m.id}>
                <div>
                  <strong>{m.name}</strong>
                  <span className="muted">
                    {' '}
                    {PROVIDERS.find((p) => p.value === m.provider)?.label} · {m.model}
                    {m.baseUrl ? ` · ${m.baseUrl}` : ''} · {m.hasKey ? 'key set' : 'no key'}
                  </span>
                </div>
                <button type="button" className="button button-small button-danger-quiet" onClick={() => remove(m)} aria-label={`Remove ${m.name}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <AddModelForm onAdded={load} />
    </main>
  );
}
