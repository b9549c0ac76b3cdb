import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { SecretBinding, Vault } from '../auth/index.ts';
import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { ModelEndpoint, ModelProvider, Store } from '../store/index.ts';
import type { Actor } from './hub.ts';

export const MODEL_PROVIDERS: readonly ModelProvider[] = ['anthropic', 'openai', 'openai-compatible'];

/** A model endpoint as a person describes it. The key is sealed by the vault and never returned. */
export interface ModelEndpointInput {
  name?: string;
  provider: ModelProvider;
  /** The API's base URL, e.g. http://127.0.0.1:11434/v1 for Ollama; omitted: the provider's own API. */
  baseUrl?: string | null;
  model: string;
  apiKey?: string | null;
}

function keyBinding(userId: string, id: string): SecretBinding {
  return { userId, connectorId: `model:${id}`, issuer: 'model-endpoint', kind: 'api-key' };
}

/** Checks a model endpoint before it is stored; every problem is a VALIDATION_FAILED saying what to change. */
export function validateModelEndpoint(input: ModelEndpointInput): { name: string; provider: ModelProvider; baseUrl: string | null; model: string; apiKey: string | null } {
  const fail = (message: string) => new PatchbayError('VALIDATION_FAILED', message);
  if (!MODEL_PROVIDERS.includes(input.provider)) throw fail(`The provider must be one of ${MODEL_PROVIDERS.join(', ')}.`);
  const model = typeof input.model === 'string' ? input.model.trim() : '';
  if (model.length === 0 || model.length > 200 || /[\u0000-\u001f]/.test(model)) throw fail('Give the model id the provider knows it by (1 to 200 characters), e.g. claude-sonnet-4-5 or llama3.1.');
  let baseUrl: string | null = null;
  if (input.baseUrl !== undefined && input.baseUrl !== null && input.baseUrl.trim() !== '') {
    let url: URL;
    try {
      url = new URL(input.baseUrl.trim());
    } catch {
      throw fail(`The base URL "${input.baseUrl.slice(0, 100)}" is not a URL. Give the API's address, e.g. http://127.0.0.1:11434/v1.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail('The base URL must start with http:// or https://.');
    if (url.username || url.password) throw fail('Put the key in the API key field, not in the base URL.');
    baseUrl = url.toString().replace(/\/+$/, '');
  }
  if (input.provider === 'openai-compatible' && baseUrl === null) throw fail('An OpenAI-compatible endpoint needs its base URL, e.g. http://127.0.0.1:11434/v1 for Ollama.');
  const apiKey = typeof input.apiKey === 'string' && input.apiKey.trim() !== '' ? input.apiKey.trim() : null;
  if (apiKey !== null && (apiKey.length > 4096 || /[\s\u0000-\u001f]/.test(apiKey))) throw fail('The API key must be at most 4096 characters without spaces or control characters.');
  if (apiKey === null && baseUrl === null) throw fail(`The ${input.provider === 'anthropic' ? 'Anthropic' : 'OpenAI'} API needs an API key.`);
  const name = (input.name ?? '').trim() || `${input.provider}/${model}`.slice(0, 80);
  if (name.length > 80 || /[\u0000-\u001f]/.test(name)) throw fail('The name must be at most 80 characters without control characters.');
  return { name, provider: input.provider, baseUrl, model, apiKey };
}

/** The LLM endpoints a person configured, with their keys in the vault; builds the AI SDK model for a conversation. */
export class ModelEndpoints {
  readonly #store: Store;
  readonly #vault: Vault;
  readonly #fetch: typeof fetch | undefined;
  readonly #checkUrl: (url: string) => Promise<void>;

  /**
   * `fetch` carries every request to a model endpoint (the deployment's address guard);
   * `checkUrl` refuses at once a base URL the guard would refuse later.
   */
  constructor(deps: { store: Store; vault: Vault; fetch?: typeof fetch; checkUrl?: (url: string) => Promise<void> }) {
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#fetch = deps.fetch;
    this.#checkUrl = deps.checkUrl ?? (async () => {});
  }

  async add(actor: Actor, input: ModelEndpointInput): Promise<ModelEndpoint> {
    const valid = validateModelEndpoint(input);
    if (valid.baseUrl !== null) await this.#checkUrl(valid.baseUrl);
    const id = newId();
    return this.#store.models.create({
      id,
      userId: actor.userId,
      name: valid.name,
      provider: valid.provider,
      baseUrl: valid.baseUrl,
      model: valid.model,
      keyCiphertext: valid.apiKey === null ? null : this.#vault.seal(valid.apiKey, keyBinding(actor.userId, id)),
    });
  }

  list(actor: Actor): Promise<ModelEndpoint[]> {
    return this.#store.models.list(actor.userId);
  }

  async get(actor: Actor, id: string): Promise<ModelEndpoint> {
    const model = await this.#store.models.get(actor.userId, id);
    if (!model) throw new PatchbayError('MODEL_NOT_FOUND', `No model ${id.slice(0, 60)}. Add one in Settings › Models, or pick another for the conversation.`, { details: { id } });
    return model;
  }

  async remove(actor: Actor, id: string): Promise<ModelEndpoint> {
    const model = await this.get(actor, id);
    await this.#store.models.remove(actor.userId, id);
    return model;
  }

  /** The AI SDK model for an endpoint, its key opened from the vault. */
  async languageModel(actor: Actor, id: string): Promise<{ endpoint: ModelEndpoint; model: LanguageModel }> {
    const endpoint = await this.get(actor, id);
    const sealed = await this.#store.models.keyCiphertext(actor.userId, id);
    const apiKey = sealed === null ? undefined : this.#vault.open(sealed, keyBinding(actor.userId, id));
    return { endpoint, model: createLanguageModel(endpoint, apiKey, this.#fetch) };
  }
}

/** The provider packages do the wire format; a local endpoint without a key gets a placeholder the clients require. */
export function createLanguageModel(endpoint: Pick<ModelEndpoint, 'provider' | 'baseUrl' | 'model' | 'name'>, apiKey: string | undefined, fetch?: typeof globalThis.fetch): LanguageModel {
  const baseURL = endpoint.baseUrl ?? undefined;
  switch (endpoint.provider) {
    case 'anthropic':
      return createAnthropic({ baseURL, apiKey: apiKey ?? 'none', fetch }).languageModel(endpoint.model);
    case 'openai':
      // Chat Completions: what OpenAI and every compatible server speak.
      return createOpenAI({ baseURL, apiKey: apiKey ?? 'none', fetch }).chat(endpoint.model);
    case 'openai-compatible':
      return createOpenAICompatible({ name: 'openai-compatible', baseURL: baseURL!, apiKey, includeUsage: true, fetch }).chatModel(endpoint.model);
  }
}
