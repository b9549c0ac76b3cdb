/**
 * The example server's prompts: one with a required and a completable optional
 * argument, and one without arguments whose messages embed a resource.
 */

import { completable, type McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { GREETING_STYLES, README_TEXT, README_URI } from './content.ts';

export const PROMPT_NAMES = ['greeting', 'summarize'] as const;

type GreetingStyle = (typeof GREETING_STYLES)[number];

const GREETINGS: Record<GreetingStyle, (name: string) => string> = {
  formal: (name) => `Please write a formal letter welcoming ${name}.`,
  casual: (name) => `Say hi to ${name} like an old friend would.`,
  pirate: (name) => `Greet ${name} the way a pirate would, arr.`,
};

function isGreetingStyle(value: string): value is GreetingStyle {
  return (GREETING_STYLES as readonly string[]).includes(value);
}

export function registerExamplePrompts(mcp: McpServer): void {
  mcp.registerPrompt(
    'greeting',
    {
      title: 'Greeting',
      description: 'Asks the model to greet someone in a style.',
      argsSchema: z.object({
        name: z.string().describe('Who to greet'),
        style: completable(z.string().describe(`One of: ${GREETING_STYLES.join(', ')}`), (value) => GREETING_STYLES.filter((style) => style.startsWith(value))).optional(),
      }),
    },
    ({ name, style = 'casual' }) => {
      // prompt arguments are free text on the wire, so an unknown style falls back instead of failing
      const greet = isGreetingStyle(style) ? GREETINGS[style] : GREETINGS.casual;
      return { description: `A ${style} greeting for ${name}`, messages: [{ role: 'user', content: { type: 'text', text: greet(name) } }] };
    },
  );

  mcp.registerPrompt('summarize', { title: 'Summarize', description: `Asks the model to summarize ${README_URI}, which the prompt embeds. Takes no arguments.` }, () => ({
    messages: [
      { role: 'user', content: { type: 'text', text: 'Summarize the document below in three sentences.' } },
      { role: 'user', content: { type: 'resource', resource: { uri: README_URI, mimeType: 'text/markdown', text: README_TEXT } } },
    ],
  }));
}
