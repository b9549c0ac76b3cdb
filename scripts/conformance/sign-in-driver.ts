/**
 * Drives Patchbay's own OAuth sign-in for the conformance suite's authorization
 * scenarios: a real Patchbay on a temporary data directory, the connector added
 * through the hub, the authorization URL followed headlessly (the suite's mock
 * authorization server approves at once and redirects), and every operation done
 * through the hub, so discovery, registration, refresh, step-up and retry are
 * Patchbay's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPatchbay, type Patchbay } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { isPatchbayError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { Actor, SignInStart } from '../../src/hub/index.ts';

/** Sign-ins per operation before giving up (the suite's `auth/scope-retry-limit` allows 3). */
const MAX_SIGN_INS = 3;

export interface HubClientOptions {
  logger: Logger;
  /** Extra PATCHBAY_* variables. */
  env?: Record<string, string>;
}

/** One connector in a throwaway Patchbay, and the person's side of signing in to it. */
export class HubClient {
  readonly patchbay: Patchbay;
  readonly actor: Actor;
  readonly name: string;
  readonly #dataDir: string;
  readonly #log: Logger;
  /** Interactive sign-ins so far. */
  signIns = 0;

  private constructor(patchbay: Patchbay, dataDir: string, name: string, logger: Logger) {
    this.patchbay = patchbay;
    this.actor = patchbay.actor('cli');
    this.name = name;
    this.#dataDir = dataDir;
    this.#log = logger;
  }

  static async open(url: string, options: HubClientOptions): Promise<HubClient> {
    const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-conformance-'));
    const config = loadConfig({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'silent', PATCHBAY_REQUEST_TIMEOUT_MS: '10000', PATCHBAY_CONNECT_TIMEOUT_MS: '10000', ...options.env });
    const patchbay = await openPatchbay(config, { logger: options.logger });
    try {
      const { connector } = await patchbay.hub.addConnector(patchbay.actor('cli'), { url });
      options.logger.info('connector added', { status: connector.status, authKind: connector.authKind });
      return new HubClient(patchbay, dataDir, connector.name, options.logger);
    } catch (error) {
      await patchbay.close();
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Signs in as the person would, playing the browser: Patchbay chooses the scope (the
   * server's last challenge, plus what was granted when that was a step-up) and the
   * redirect must come back to the redirect URI Patchbay registered.
   */
  async signIn(): Promise<SignInStart> {
    this.signIns++;
    const started = await this.patchbay.hub.startSignIn(this.actor, this.name);
    if (started.status === 'signed-in') {
      this.#log.info('signed in without a redirect');
      return started;
    }
    this.#log.info('sign-in started', { scopes: started.scopes });
    const response = await fetch(started.authorizationUrl, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    assert.ok(location, `the authorization endpoint answered ${response.status} without a redirect`);
    const callback = new URL(location);
    assert.equal(`${callback.origin}${callback.pathname}`, started.redirectUrl, 'the authorization server redirected to the registered redirect URI');
    await this.patchbay.hub.finishSignIn(callback.searchParams, this.actor.userId);
    return started;
  }

  /**
   * Runs `operation`; when Patchbay says it needs sign-in (AUTH_REQUIRED, or a step-up
   * for more scope), signs in and runs it again. At most `maxSignIns` sign-ins per
   * operation: a server that never accepts ends the loop instead of looping forever.
   */
  async withSignIn<T>(operation: () => Promise<T>, maxSignIns = MAX_SIGN_INS): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isPatchbayError(error, 'AUTH_REQUIRED') || attempt >= maxSignIns) throw error;
        const stepUp = error.details?.stepUp === true;
        const challenged = typeof error.details?.scope === 'string' ? error.details.scope : undefined;
        this.#log.info('sign-in needed', { stepUp, scope: challenged, attempt });
        const started = await this.signIn();
        if (stepUp && challenged && started.status === 'redirect') {
          const missing = challenged.split(' ').filter((s) => !started.scopes.includes(s));
          assert.deepEqual(missing, [], 'a step-up sign-in asks for the challenged scopes');
        }
      }
    }
  }

  listTools(): Promise<Tool[]> {
    return this.patchbay.hub.listTools(this.actor, this.name, { refresh: true });
  }

  callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return this.patchbay.hub.callTool(this.actor, this.name, name, args);
  }

  async close(): Promise<void> {
    await this.patchbay.close();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}
