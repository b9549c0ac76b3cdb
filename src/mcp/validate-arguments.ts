import type { JsonSchemaType, JsonSchemaValidator, JsonSchemaValidatorResult, jsonSchemaValidator, Tool } from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { PatchbayError } from '../core/errors.ts';
import { prepareSchema, runsInLinearTime, withinTime } from './schema-patterns.ts';

const MAX_CACHED = 2000;

/**
 * How long one check against a schema with regular expressions that may backtrack
 * (`pattern`, `patternProperties`; see `runsInLinearTime`) may run. A server writes
 * those expressions, and one such as `^(a+)+$` backtracks for minutes on a
 * 40-character string, blocking every request of the process meanwhile; only a
 * watchdog can stop a regular expression once it runs.
 */
const PATTERN_CHECK_MS = 250;

/** A JSON Schema check: valid, or why not. */
export type SchemaCheck = (input: unknown) => { valid: boolean; errorMessage?: string };

/** The check, stopped when it runs too long: the value is then refused. */
function guarded(check: SchemaCheck): SchemaCheck {
  return (input) => {
    try {
      return withinTime(() => check(input), PATTERN_CHECK_MS);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      return {
        valid: false,
        errorMessage: `checking it against the schema, whose "pattern" can backtrack, took over ${PATTERN_CHECK_MS} ms and was stopped`,
      };
    }
  };
}

/**
 * JSON Schemas compiled once: found by the schema object (the hub keeps tool lists in
 * memory, so a hot tool costs one lookup and no serializing), else by the schema's text.
 * A schema the validator cannot compile (an unsupported dialect, a hostile regex, a
 * `$ref` to another document) has no check (`null`): the server still validates, and
 * nothing is blocked by our own limitation. Schemas are compiled without their `$id`s,
 * so none can reach or replace another; the validator is renewed every `MAX_CACHED`
 * compiles, so what it keeps of schemas no longer used is let go.
 */
export class CompiledSchemas implements jsonSchemaValidator {
  #provider = new AjvJsonSchemaValidator();
  #compiled = 0;
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

  /** The same checks, for the SDK client (the tool results it checks itself); a schema with no check accepts anything. */
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    const check = this.check(schema);
    return (input) => (check ? check(input) : { valid: true, data: input, errorMessage: undefined }) as JsonSchemaValidatorResult<T>;
  }

  #compileText(schema: unknown): SchemaCheck | null {
    const key = JSON.stringify(schema ?? {});
    const cached = this.#byText.get(key);
    if (cached !== undefined) return cached;
    let check: SchemaCheck | null;
    try {
      const prepared = prepareSchema(schema ?? {});
      if (++this.#compiled > MAX_CACHED) {
        this.#provider = new AjvJsonSchemaValidator();
        this.#compiled = 1;
      }
      check = this.#provider.getValidator(prepared.schema as never) as SchemaCheck;
      if (!prepared.patterns.every(runsInLinearTime)) check = guarded(check);
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
