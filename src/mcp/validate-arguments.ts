import type { Tool } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { PatchbayError } from '../core/errors.ts';

const MAX_CACHED = 2000;

/** A JSON Schema check: valid, or why not. */
export type SchemaCheck = (input: unknown) => { valid: boolean; errorMessage?: string };

/**
 * JSON Schemas compiled once: found by the schema object (the hub keeps tool lists in
 * memory, so a hot tool costs one lookup and no serializing), else by the schema's text.
 * A schema the validator cannot compile (an unsupported dialect, a hostile regex) has
 * no check (`null`): the server still validates, and nothing is blocked by our own limitation.
 */
export class CompiledSchemas {
  readonly #provider = new AjvJsonSchemaValidator();
  readonly #byText = new Map<string, SchemaCheck | null>();
  readonly #bySchema = new WeakMap<object, SchemaCheck | null>();

  check(schema: unknown): SchemaCheck | null {
    const object = schema !== null && typeof schema === 'object' ? schema : undefined;
    const known = object && this.#bySchema.get(object);
    if (known !== undefined) return known;
    const check = this.#compileText(schema);
    if (object) this.#bySchema.set(object, check);
    return check;
  }

  #compileText(schema: unknown): SchemaCheck | null {
    const key = JSON.stringify(schema ?? {});
    const cached = this.#byText.get(key);
    if (cached !== undefined) return cached;
    let check: SchemaCheck | null;
    try {
      check = this.#provider.getValidator(schema as never) as SchemaCheck;
    } catch {
      check = null;
    }
    if (this.#byText.size >= MAX_CACHED) this.#byText.delete(this.#byText.keys().next().value as string);
    this.#byText.set(key, check);
    return check;
  }
}

/** One cache for the process: tool input and output schemas are the same whoever checks them. */
export const sharedSchemas = new CompiledSchemas();

/** Validates tool arguments against the tool's input schema before anything is sent. */
export class ArgumentValidator {
  readonly #schemas: CompiledSchemas;

  constructor(schemas: CompiledSchemas = sharedSchemas) {
    this.#schemas = schemas;
  }

  validate(tool: Pick<Tool, 'name' | 'inputSchema'>, args: unknown, connector: string): void {
    const check = this.#schemas.check(tool.inputSchema);
    if (!check) return;
    const result = check(args);
    if (!result.valid) {
      throw new PatchbayError(
        'INVALID_ARGUMENTS',
        `Arguments for tool "${tool.name}" on connector "${connector}" do not match its input schema: ${result.errorMessage ?? 'invalid'}. Run \`patchbay tools ${connector} --json\` to see what it expects.`,
        { details: { tool: tool.name, connector, reason: result.errorMessage } },
      );
    }
  }
}
