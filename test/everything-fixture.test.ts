import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client, SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { type EverythingMode, startEverything } from './fixtures/everything.ts';

const transports: Record<EverythingMode, (url: URL) => Transport> = {
  streamableHttp: (url) => new StreamableHTTPClientTransport(url),
  sse: (url) => new SSEClientTransport(url),
};

describe('server-everything fixture', () => {
  for (const mode of ['streamableHttp', 'sse'] as const) {
    it(`serves MCP in ${mode} mode on loopback and stops on close`, async (t) => {
      const everything = await startEverything(mode);
      t.after(() => everything.close());
      assert.match(everything.url, /^http:\/\/127\.0\.0\.1:\d+\/(mcp|sse)$/);

      const client = new Client({ name: 'everything-fixture-test', version: '1.0.0' });
      await client.connect(transports[mode](new URL(everything.url)));
      t.after(() => client.close());
      assert.equal(client.getServerVersion()?.name, 'mcp-servers/everything');
      const { tools } = await client.listTools();
      assert.ok(tools.some((tool) => tool.name === 'echo'));
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'ping' } });
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'Echo: ping' }]);

      await client.close();
      await everything.close();
      assert.ok(everything.process.exitCode !== null || everything.process.signalCode !== null, 'the process has exited');
    });
  }
});
