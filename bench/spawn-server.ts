import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface EchoServer {
  /** The MCP endpoint, on 127.0.0.1. */
  url: string;
  /** How many MCP sessions the server holds right now. */
  sessions(): Promise<number>;
  /** The server process's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./echo-server.ts', import.meta.url));
const START_TIMEOUT_MS = 15_000;

/** Starts `echo-server.ts` in its own process and waits until it listens. */
export async function startEchoServer(options: { json?: boolean } = {}): Promise<EchoServer> {
  const child = fork(SCRIPT, options.json ? ['--json'] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('The benchmark MCP server did not start within 15 s.')), START_TIMEOUT_MS);
    const onMessage = (message: { port?: number }) => {
      if (typeof message?.port !== 'number') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message.port);
    };
    const onExit = (code: number | null) => fail(new Error(`The benchmark MCP server exited with status ${code} before listening.`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.kill();
      reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sessions: () => ask(child, 'sessions'),
    cpuMicros: () => ask(child, 'cpu', 'cpuMicros'),
    close: () => stopChild(child),
  };
}

/** Sends `question` and resolves with the numeric field `key` of the answer. */
function ask(child: ChildProcess, question: string, key = question): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`The benchmark MCP server did not answer "${question}" within 5 s.`));
    }, 5000);
    const onMessage = (message: Record<string, unknown>) => {
      const value = message?.[key];
      if (typeof value !== 'number') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

/** Disconnects IPC (the child exits on it), then kills it if it lingers. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill();
  });
}
