import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PatchbayError } from '../../core/errors.ts';
import type { CommandSpec } from '../command.ts';
import { formatBytes, formatResourceContents } from '../format-content.ts';
import { stringOption } from '../option-values.ts';
import { firstLine } from '../sanitize.ts';

export const resourcesCommand: CommandSpec = {
  name: 'resources',
  group: 'use',
  summary: 'List the resources and resource templates a connector offers.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  options: { refresh: { type: 'boolean', description: 'Ask the server again instead of using the list Patchbay keeps.' } },
  async run(ctx, { values, positionals }) {
    const patchbay = await ctx.open();
    const catalog = await ctx.remote(`Listing resources of ${positionals[0]}`, (control) =>
      patchbay.hub.catalog(patchbay.actor('cli'), positionals[0], { ...control, refresh: values.refresh === true }),
    );
    const { resources, resourceTemplates } = catalog;
    return {
      json: { resources, resourceTemplates },
      print(out, err) {
        if (resources.length === 0 && resourceTemplates.length === 0) {
          err.line(`Connector "${positionals[0]}" offers no resources.`);
          return;
        }
        if (resources.length > 0) {
          out.table(
            ['URI', 'NAME', 'TYPE', 'DESCRIPTION'],
            resources.map((r) => [r.uri, r.title ?? r.name, r.mimeType ?? '', firstLine(r.description)]),
          );
        }
        if (resourceTemplates.length > 0) {
          if (resources.length > 0) out.line();
          out.table(
            ['URI TEMPLATE', 'NAME', 'TYPE', 'DESCRIPTION'],
            resourceTemplates.map((t) => [t.uriTemplate, t.title ?? t.name, t.mimeType ?? '', firstLine(t.description)]),
          );
        }
      },
    };
  },
};

export const readCommand: CommandSpec = {
  name: 'read',
  group: 'use',
  summary: 'Read a resource.',
  description: 'Read a resource. Text is printed as is; binary contents are summarized unless --out writes them (decoded) to a file.',
  positionals: [
    { name: 'name', required: true, description: 'Connector name.' },
    { name: 'uri', required: true, description: 'Resource URI (see `patchbay resources <name>`).' },
  ],
  options: { out: { type: 'string', value: 'FILE', description: 'Write the contents to FILE (binary contents decoded).' } },
  examples: ['patchbay read example example://readme', 'patchbay read example example://logo.png --out logo.png'],
  async run(ctx, { values, positionals }) {
    const [name, uri] = positionals;
    const outFile = stringOption(values, 'out');
    const patchbay = await ctx.open();
    const result = await ctx.remote(`Reading ${uri}`, (control) => patchbay.hub.readResource(patchbay.actor('cli'), name, uri, control));
    const contents = result.contents;
    if (outFile === undefined) {
      return {
        json: result,
        print(out, err) {
          if (contents.length === 0) {
            err.line(`The server returned no contents for ${uri}.`);
            return;
          }
          for (const line of formatResourceContents(contents)) out.line(line.replace(/\n$/, ''));
          if (contents.some((c) => 'blob' in c)) err.line('Pass --out FILE to save binary contents.');
        },
      };
    }
    const first = contents[0];
    if (!first) throw new PatchbayError('RESOURCE_NOT_FOUND', `The server returned no contents for ${uri}; nothing was written.`);
    const bytes = 'blob' in first && typeof first.blob === 'string' ? Buffer.from(first.blob, 'base64') : Buffer.from('text' in first ? String(first.text) : '', 'utf8');
    const path = resolve(outFile);
    await writeFile(path, bytes);
    return {
      json: { uri: first.uri, mimeType: first.mimeType ?? null, file: path, bytes: bytes.length, skipped: contents.length - 1 },
      print(out, err) {
        out.line(`Wrote ${formatBytes(bytes.length)}${first.mimeType ? ` (${first.mimeType})` : ''} to ${outFile}.`);
        if (contents.length > 1) err.line(`The server sent ${contents.length} contents; only the first was written.`);
      },
    };
  },
};

