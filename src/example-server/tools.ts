/**
 * The example server's tools: one per content type, plus tools that exercise tool
 * errors, progress, cancellation, elicitation and list changes.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { acceptedContent, inputRequired, inputResponse, type McpServer, type RegisteredTool } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Logger } from '../core/log.ts';
import type { ExampleCatalog } from './catalog.ts';
import { LOGO_URI, README_TEXT, README_URI } from './content.ts';
import { TINY_PNG, TINY_WAV } from './media.ts';

/** Every tool a session starts with, in registration order. */
export const FIXED_TOOL_NAMES = [
  'echo',
  'add',
  'get_image',
  'get_audio',
  'get_embedded_resource',
  'get_resource_link',
  'fail',
  'slow',
  'ask_name',
  'toggle_extra',
] as const;

/** The tool `toggle_extra` adds and removes. */
export const EXTRA_TOOL_NAME = 'extra';

const nameAnswer = z.object({ name: z.string().min(1).describe('Your name') });

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

/** Registers the fixed tools and the catalog's runtime tools; returns them by name. */
export function registerExampleTools(mcp: McpServer, catalog: ExampleCatalog, logger: Logger): Map<string, RegisteredTool> {
  const tools = new Map<string, RegisteredTool>();

  tools.set(
    'echo',
    mcp.registerTool(
      'echo',
      { title: 'Echo', description: 'Returns the message it is given, as text.', inputSchema: z.object({ message: z.string().describe('Text to send back') }) },
      ({ message }) => text(message),
    ),
  );

  const sum = z.object({ sum: z.number().describe('a + b') });
  tools.set(
    'add',
    mcp.registerTool(
      'add',
      {
        title: 'Add',
        description: 'Adds two numbers; the result is structured content described by an output schema.',
        inputSchema: z.object({ a: z.number().describe('First number'), b: z.number().describe('Second number') }),
        outputSchema: sum,
        annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      },
      ({ a, b }) => {
        const structuredContent = { sum: a + b };
        // spec: a tool returning structured content SHOULD also return it serialized as text
        return { ...text(JSON.stringify(structuredContent)), structuredContent };
      },
    ),
  );

  tools.set(
    'get_image',
    mcp.registerTool('get_image', { title: 'Get image', description: 'Returns a 4×4 PNG image.', annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: 'image', data: TINY_PNG.toString('base64'), mimeType: 'image/png' }],
    })),
  );

  tools.set(
    'get_audio',
    mcp.registerTool('get_audio', { title: 'Get audio', description: 'Returns a tenth of a second of a 440 Hz tone as WAV audio.', annotations: { readOnlyHint: true } }, () => ({
      content: [{ type: 'audio', data: TINY_WAV.toString('base64'), mimeType: 'audio/wav' }],
    })),
  );

  tools.set(
    'get_embedded_resource',
    mcp.registerTool(
      'get_embedded_resource',
      { title: 'Get embedded resource', description: `Returns the ${README_URI} resource embedded in the result.`, annotations: { readOnlyHint: true } },
      () => ({ content: [{ type: 'resource', resource: { uri: README_URI, mimeType: 'text/markdown', text: README_TEXT } }] }),
    ),
  );

  tools.set(
    'get_resource_link',
    mcp.registerTool(
      'get_resource_link',
      { title: 'Get resource link', description: `Returns a link to the ${LOGO_URI} resource, to be read separately.`, annotations: { readOnlyHint: true } },
      () => ({
        content: [{ type: 'resource_link', uri: LOGO_URI, name: 'logo', mimeType: 'image/png', description: 'The example server logo (16×16 PNG).' }],
      }),
    ),
  );

  tools.set(
    'fail',
    mcp.registerTool(
      'fail',
      {
        title: 'Fail',
        description: 'Always fails: returns a tool error (isError) carrying the message.',
        inputSchema: z.object({ message: z.string().optional().describe('What the error says') }),
      },
      ({ message }) => ({ ...text(message ?? 'This tool always fails.'), isError: true }),
    ),
  );

  tools.set(
    'slow',
    mcp.registerTool(
      'slow',
      {
        title: 'Slow',
        description: 'Works in steps, waiting delayMs between them; reports progress when asked and stops when cancelled.',
        inputSchema: z.object({
          steps: z.number().int().min(1).max(1000).default(5).describe('Number of steps'),
          delayMs: z.number().int().min(0).max(60_000).default(100).describe('Milliseconds to wait before each step'),
        }),
      },
      async ({ steps, delayMs }, ctx) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        for (let step = 1; step <= steps; step++) {
          try {
            await sleep(delayMs, undefined, { signal: ctx.mcpReq.signal });
          } catch {
            logger.info('slow cancelled', { completedSteps: step - 1, steps });
            return text(`Cancelled after ${step - 1} of ${steps} steps.`);
          }
          if (progressToken !== undefined) {
            await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: step, total: steps, message: `Step ${step} of ${steps}` } });
          }
        }
        return text(`Completed ${steps} steps.`);
      },
    ),
  );

  tools.set(
    'ask_name',
    mcp.registerTool(
      'ask_name',
      { title: 'Ask name', description: 'Asks you for your name (form elicitation) and greets you, or says that you declined.' },
      // Written as a multi-round-trip handler: 2026-07-28 clients fulfil the input request
      // themselves; on 2025 sessions the SDK sends elicitation/create and calls back here.
      (ctx) => {
        const answer = inputResponse(ctx.mcpReq.inputResponses, 'name');
        if (answer.kind !== 'elicit') {
          return inputRequired({ inputRequests: { name: inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameAnswer }) } });
        }
        if (answer.action === 'decline') return text('You declined to give your name.');
        if (answer.action === 'cancel') return text('You cancelled the question.');
        const content = acceptedContent(ctx.mcpReq.inputResponses, 'name', nameAnswer);
        if (content === undefined) return { ...text('The answer did not contain a name.'), isError: true };
        return text(`Hello, ${content.name}!`);
      },
    ),
  );

  tools.set(
    'toggle_extra',
    mcp.registerTool(
      'toggle_extra',
      { title: 'Toggle extra', description: `Adds the tool "${EXTRA_TOOL_NAME}", or removes it if present; connected clients get tools/list_changed.` },
      () => {
        if (catalog.removeTool(EXTRA_TOOL_NAME)) return text(`Removed the tool "${EXTRA_TOOL_NAME}".`);
        catalog.addTool(EXTRA_TOOL_NAME);
        return text(`Added the tool "${EXTRA_TOOL_NAME}".`);
      },
    ),
  );

  for (const [name, description] of catalog.descriptionOverrides()) tools.get(name)?.update({ description });
  for (const [name, description] of catalog.runtimeTools()) tools.set(name, registerRuntimeTool(mcp, name, description));
  return tools;
}

/** Registers a tool added while the server runs; it answers with its own name. */
export function registerRuntimeTool(mcp: McpServer, name: string, description: string): RegisteredTool {
  return mcp.registerTool(name, { description }, () => text(`The tool "${name}" was called.`));
}
