import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { PatchbayError } from '../../core/errors.ts';
import { canonicalJson, type Hub, type ModelTool, type ToolCallContext } from '../../hub/index.ts';
import type { ApprovalRequest } from '../../store/index.ts';
import type { GatewayScope, GatewayView } from './gateway-view.ts';

/**
 * What a call's request says about asking the person: the state and answers a client
 * sends back when it retries after an input-required result, and whether it can be asked.
 */
export interface CallAsking {
  requestState(): unknown;
  inputResponses(): Record<string, unknown> | undefined;
  canElicit(): boolean;
}

/** A request that carries no answer and whose client cannot be asked (the gateway's fast path). */
export const CANNOT_ASK: CallAsking = { requestState: () => undefined, inputResponses: () => undefined, canElicit: () => false };

/** What an SDK request's context says about asking (both eras). */
export function askingOf(server: Server, ctx: ServerContext): CallAsking {
  return {
    requestState: () => ctx.mcpReq.requestState(),
    inputResponses: () => ctx.mcpReq.inputResponses,
    canElicit: () => canElicit(server, ctx),
  };
}

export interface GatewayPolicyOptions {
  hub: Hub;
  view: GatewayView;
  /** How long to wait for an answer in Patchbay when the client cannot ask the person; 0 refuses at once. */
  approvalWaitMs: number;
}

const ANSWER_KEY = 'patchbay_approval';
const ANSWER_SCHEMA = {
  type: 'object' as const,
  properties: {
    decision: {
      type: 'string' as const,
      title: 'Your answer',
      oneOf: [
        { const: 'once', title: 'Allow this call' },
        { const: 'always', title: 'Always allow this tool' },
        { const: 'deny', title: 'Deny' },
      ],
    },
  },
  required: ['decision'],
};
const MAX_DESCRIPTION = 2_000;
/** The longest a held call goes without reading its approval again (and without a progress notice to its client). */
const STILL_WAITING_MS = 1_000;

/** Whether a retry carries an answer to an approval the gateway asked for (its requestState is the approval's id). */
export function answersApproval(responses: Record<string, unknown> | undefined): boolean {
  return responses?.[ANSWER_KEY] !== undefined;
}

/**
 * What the gateway does at the one door: every call goes through `hub.callTool` as the
 * gateway. A tool at Ask is put to the person — in their own client when it can elicit
 * (both eras: an input-required result, which the SDK turns into elicitation/create on
 * 2025 sessions), else as a pending approval in Patchbay that the call waits on.
 */
export class GatewayPolicy {
  readonly #hub: Hub;
  readonly #view: GatewayView;
  readonly #waitMs: number;
  /** Approvals a call gave up waiting for, per identical call: answered later, the next identical call uses them. */
  readonly #waited = new Map<string, string>();

  constructor(options: GatewayPolicyOptions) {
    this.#hub = options.hub;
    this.#view = options.view;
    this.#waitMs = options.approvalWaitMs;
  }

  async callTool(
    scope: GatewayScope,
    target: ModelTool,
    args: Record<string, unknown>,
    control: ToolCallContext,
    asking: CallAsking,
  ): Promise<CallToolResult | InputRequiredResult> {
    const actor = this.#view.actor(scope);
    const { connector, toolName: tool } = target;
    // Serialized only when some call waits for an answer (not on every call's path).
    const keyOf = () => `${scope.userId}\u0000${connector}\u0000${tool}\u0000${canonicalJson(args)}`;

    // The retry of an elicitation: the answer, and the approval it is for (state the client echoes back).
    const state = asking.requestState();
    const answer = inputResponse(asking.inputResponses(), ANSWER_KEY);
    if (typeof state === 'string' && answer.kind === 'elicit') {
      const request = await this.#matching(scope, state, connector, tool, args);
      const decision = answer.action === 'accept' ? (answer.content as { decision?: unknown } | undefined)?.decision : 'deny';
      if (decision === 'once' || decision === 'always') {
        await this.#hub.answerApproval(actor, request.id, decision);
        return this.#hub.callTool(actor, connector, tool, args, { ...control, approvalId: request.id });
      }
      await this.#hub.answerApproval(actor, request.id, 'deny').catch(() => {});
      throw new PatchbayError('ELICITATION_DECLINED', `You did not allow calling "${tool}" on "${connector}", so it was not called.`);
    }

    const key = this.#waited.size > 0 ? keyOf() : undefined;
    const earlier = key === undefined ? undefined : this.#waited.get(key);
    let approvalId: string | undefined;
    if (earlier !== undefined) {
      this.#waited.delete(key!);
      if ((await this.#hub.approvalRequest(actor, earlier))?.status === 'allowed') approvalId = earlier;
    }
    try {
      return await this.#hub.callTool(actor, connector, tool, args, { ...control, ...(approvalId ? { approvalId } : {}) });
    } catch (error) {
      if (!(error instanceof PatchbayError) || error.code !== 'APPROVAL_REQUIRED') throw error;
      const id = String(error.details?.approvalId);
      if (asking.canElicit()) {
        // The description as models see it: hidden characters removed.
        const description = target.definition.description ?? '';
        return inputRequired({
          inputRequests: { [ANSWER_KEY]: inputRequired.elicit({ message: approvalMessage(connector, tool, description, args), requestedSchema: ANSWER_SCHEMA }) },
          requestState: id,
        });
      }
      const answered = await this.#waitForAnswer(scope, id, control);
      if (answered === 'allowed') return this.#hub.callTool(actor, connector, tool, args, { ...control, approvalId: id });
      if (answered === 'denied') throw new PatchbayError('APPROVAL_INVALID', `You denied calling "${tool}" on "${connector}" in Patchbay, so it was not called.`);
      this.#waited.set(key ?? keyOf(), id);
      if (this.#waited.size > 10_000) this.#waited.delete(this.#waited.keys().next().value!);
      throw new PatchbayError(
        'APPROVAL_REQUIRED',
        `Calling "${tool}" on "${connector}" needs your approval, and none came${this.#waitMs > 0 ? ` within ${Math.round(this.#waitMs / 1000)} s` : ''}. ` +
          `Approve it in Patchbay — \`patchbay approve ${id}\` (see \`patchbay approvals\`) or Approvals in the web app — then ask for the same call again.`,
        { details: { approvalId: id, connector, tool } },
      );
    }
  }

  /** The approval named by the client's echoed state, if it is this very call's (else the state is not trusted). */
  async #matching(scope: GatewayScope, id: string, connector: string, tool: string, args: Record<string, unknown>): Promise<ApprovalRequest> {
    const actor = this.#view.actor(scope);
    const request = await this.#hub.approvalRequest(actor, id);
    const connectorId = request ? (await this.#hub.getConnector(actor, connector)).id : undefined;
    if (!request || request.connectorId !== connectorId || request.toolName !== tool || canonicalJson(request.arguments) !== canonicalJson(args)) {
      throw new PatchbayError('APPROVAL_INVALID', 'The answer does not belong to this call. Call the tool again to be asked afresh.');
    }
    return request;
  }

  async #waitForAnswer(scope: GatewayScope, id: string, control: ToolCallContext): Promise<'allowed' | 'denied' | 'timeout'> {
    const actor = this.#view.actor(scope);
    const started = Date.now();
    const deadline = started + this.#waitMs;
    let told = started;
    for (;;) {
      // Marked before the read, so an answer landing between the read and the wait ends the wait at once.
      const mark = this.#hub.approvalMark();
      const request = await this.#hub.approvalRequest(actor, id);
      if (request?.status === 'allowed') return 'allowed';
      if (request?.status === 'denied' || request === undefined) return 'denied';
      const now = Date.now();
      if (now - told >= STILL_WAITING_MS) {
        told = now;
        control.onProgress?.({ progress: now - started, message: 'Waiting for your approval in Patchbay' });
      }
      const left = deadline - now;
      if (left <= 0) return 'timeout';
      // Woken as soon as an approval is asked for or answered here or in another process; at least
      // once a second all the same (a missed notice, a blind change feed), which also tells the client we still wait.
      if ((await this.#hub.approvalChange(Math.min(left, STILL_WAITING_MS), control.signal, mark)) === 'aborted') {
        throw new PatchbayError('CANCELLED', 'The client cancelled the call while it waited for approval.');
      }
    }
  }
}

/** Whether the downstream client can be asked (form elicitation), in either era. */
function canElicit(server: Server, ctx: ServerContext): boolean {
  const declared = server.getClientCapabilities() ?? (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  const elicitation = (declared as { elicitation?: { form?: unknown } } | undefined)?.elicitation;
  return elicitation !== undefined && elicitation !== null;
}

function approvalMessage(connector: string, tool: string, description: string, args: Record<string, unknown>): string {
  const about = description.length > MAX_DESCRIPTION ? `${description.slice(0, MAX_DESCRIPTION)}…` : description;
  return [
    `Patchbay: allow the tool "${tool}" of the connector "${connector}" to run?`,
    about ? `\nWhat it does (as its server says): ${about}` : '',
    `\nArguments:\n${JSON.stringify(args, null, 2)}`,
  ].join('\n');
}
