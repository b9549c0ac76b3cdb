import type { Tool } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { PatchbayError } from '../core/errors.ts';

type Check = (input: unknown) => { valid: boolean; errorMessage?: string };

const MAX_CACHED = 2000;

/**
 * Validates tool arguments against the tool's input schema before anything is sent.
 * Compiled validators are cached by schema text, so a hot tool costs one lookup.
 * A schema the validator cannot compile (an unsupported dialect, a hostile regex)
 * is not enforced here: the server still validates, and the call is not blocked
 * by our own limitation.
 */
export class ArgumentValidator {
  readonly #provider = new AjvJsonSchemaValidator();
  readonly #cache = new Map<string, Check | null>();
  /** The same schema object again (the hub keeps tool lists in memory): no serializing either. */
  readonly #bySchema = new WeakMap<object, Check | null>();

  validate(tool: Pick<Tool, 'name' | 'inputSchema'>, args: unknown, connector: string): void {
    const check = this.#compile(tool.inputSchema);
    if (!check) return;
    const result = check(args);
    if (!result.valid) {
      throw new PatchbayError(
        'INVALID_ARGUMENTS',
        `Arguments for tool "${tool.name}" on connector "${connector}" do not match its input schema: ${result.errorMessage ?? 'invalid'}. Run \`patchbay tools ${connector}\` to see what it expects.`,
        { details: { tool: tool.name, connector, reason: result.errorMessage } },
      );
    }
  }

  #compile(schema: unknown): Check | null {
    const object = schema !== null && typeof schema === 'object' ? schema : undefined;
    const known = object && this.#bySchema.get(object);
    if (known !== undefined) return known;
    const check = this.#compileText(schema);
    if (object) this.#bySchema.set(object, check);
    return check;
  }

  #compileText(schema: unknown): Check | null {
    const key = JSON.stringify(schema ?? {});
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let check: Check | null;
    try {
      check = this.#provider.getValidator(schema as never) as Check;
    } catch {
      check = null;
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, check);
    return check;
  }
}
