import { PatchbayError } from '../../core/errors.ts';
import { MODEL_PROVIDERS } from '../../hub/index.ts';
import type { ModelProvider } from '../../store/index.ts';
import type { CommandSpec } from '../command.ts';
import { askHidden, readStdin } from '../io.ts';
import { flagOption, stringOption } from '../option-values.ts';

export const modelsCommand: CommandSpec = {
  name: 'models',
  group: 'connectors',
  summary: 'List, add or remove the chat’s model endpoints (Anthropic, OpenAI, OpenAI-compatible).',
  usage: '[list | add --provider P --model ID [--base-url URL] [--name N] [--key-stdin | --no-key] | remove <name or id>]',
  description:
    'The key is read from stdin (--key-stdin) or asked for without echo, encrypted, and never shown again. An OpenAI-compatible endpoint (Ollama, vLLM, LM Studio, OpenRouter…) needs --base-url, e.g. http://127.0.0.1:11434/v1.',
  positionals: [
    { name: 'action', description: 'list (default), add or remove.' },
    { name: 'target', description: 'For remove: the model’s name or id.' },
  ],
  options: {
    provider: { type: 'string', value: 'P', description: `One of ${MODEL_PROVIDERS.join(', ')}.` },
    model: { type: 'string', value: 'ID', description: 'The model id the provider knows, e.g. claude-sonnet-4-5 or llama3.1.' },
    'base-url': { type: 'string', value: 'URL', description: 'The API’s base URL (empty: the provider’s own API).' },
    name: { type: 'string', value: 'N', description: 'A name to pick it by (default provider/model).' },
    'key-stdin': { type: 'boolean', description: 'Read the API key from stdin.' },
    'no-key': { type: 'boolean', description: 'The endpoint needs no key (a local server).' },
  },
  async run(ctx, { values, positionals }) {
    const action = positionals[0] ?? 'list';
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    if (action === 'list') {
      const models = await patchbay.models.list(actor);
      return {
        json: models,
        print(out, err) {
          if (models.length === 0) {
            err.line('No model yet. Add one with `patchbay models add --provider openai-compatible --base-url http://127.0.0.1:11434/v1 --model llama3.1 --no-key`.');
            return;
          }
          for (const m of models) out.line(`${m.name}  ${m.provider}  ${m.model}${m.baseUrl ? `  ${m.baseUrl}` : ''}  ${m.hasKey ? 'key set' : 'no key'}  (${m.id})`);
        },
      };
    }
    if (action === 'add') {
      const provider = stringOption(values, 'provider') as ModelProvider | undefined;
      const model = stringOption(values, 'model');
      if (!provider || !model) throw new PatchbayError('INVALID_ARGUMENTS', 'Give at least --provider and --model.');
      let apiKey: string | null = null;
      if (flagOption(values, 'key-stdin')) {
        apiKey = (await readStdin(ctx.io.stdin, '--key-stdin reads the key from stdin, but stdin is a terminal. Pipe it in, or leave the flag out to be asked.')).trim();
      } else if (!flagOption(values, 'no-key')) {
        apiKey = ctx.io.stdin.isTTY ? await askHidden(ctx.io, 'API key (empty for none): ') : null;
      }
      const added = await patchbay.models.add(actor, { provider, model, baseUrl: stringOption(values, 'base-url') ?? null, name: stringOption(values, 'name'), apiKey });
      return { json: added, print: (out) => out.line(`Added the model "${added.name}"${added.hasKey ? ' (key encrypted)' : ''}. Pick it for a conversation in the web app’s Chat.`) };
    }
    if (action === 'remove') {
      const target = positionals[1];
      if (!target) throw new PatchbayError('INVALID_ARGUMENTS', 'Name the model to remove: `patchbay models remove <name or id>`.');
      const found = (await patchbay.models.list(actor)).find((m) => m.name === target || m.id === target);
      if (!found) throw new PatchbayError('MODEL_NOT_FOUND', `No model named "${target.slice(0, 80)}". Run \`patchbay models\` to list them.`);
      await patchbay.models.remove(actor, found.id);
      return { json: found, print: (out) => out.line(`Removed the model "${found.name}".`) };
    }
    throw new PatchbayError('INVALID_ARGUMENTS', `Unknown action "${action.slice(0, 40)}": use list, add or remove.`);
  },
};
