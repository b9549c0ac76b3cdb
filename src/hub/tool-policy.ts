import { createHash, randomUUID } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/client';
import { PatchbayError } from '../core/errors.ts';
import { redactedJson } from '../core/log.ts';
import type { ApprovalWatch } from './approval-watch.ts';
import type { LookupCache } from './lookup-cache.ts';
import type { Approval, ApprovalRequest, Connector, Store, ToolApproval, ToolSetting, UsageLimits } from '../store/index.ts';

/** How long a person has to answer an approval request, and to use the answer. */
const APPROVAL_TTL_MS = 10 * 60 * 1000;

/** The parts of a tool definition a person reviews; any change to them suspends the tool. */
export function definitionOf(tool: Tool): Record<string, unknown> {
  return {
    name: tool.name,
    title: tool.title ?? null,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema ?? null,
    outputSchema: tool.outputSchema ?? null,
    annotations: tool.annotations ?? null,
  };
}

/** SHA-256 of the definition as canonical JSON (keys sorted at every level). */
export function hashDefinition(tool: Tool): string {
  return createHash('sha256').update(canonicalJson(definitionOf(tool))).digest('hex');
}

/** Binds an approval to its connector, tool and exact arguments. */
export function hashCall(connectorId: string, toolName: string, args: unknown): string {
  return createHash('sha256').update(canonicalJson([connectorId, toolName, args])).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

/** A tool's setting as it applies now, with the pin compared to what the server offers. */
export interface ToolState {
  setting: ToolSetting;
  /** The approval that applies after following 'default'. */
  effective: Approval;
}

/**
 * The person's decisions about tools: pins and review, settings, approvals. Keeps the
 * store's tool settings in step with what servers offer: a tool seen for the first time
 * is pinned; a definition that differs from its pin suspends the tool until reviewed.
 */
export class ToolPolicy {
  readonly #store: Store;
  readonly #lookups: LookupCache | undefined;
  readonly #watch: ApprovalWatch | undefined;

  constructor(store: Store, lookups?: LookupCache, watch?: ApprovalWatch) {
    this.#store = store;
    this.#lookups = lookups;
    this.#watch = watch;
  }

  /**
   * Compares a freshly listed set of tools with their pins. The first time a connector's
   * tools are seen they are pinned as reviewed (adding the connector is the first review);
   * a tool appearing later is pinned as 'new'; a changed one becomes 'changed'.
   */
  async reconcile(connector: Connector, tools: Tool[]): Promise<void> {
    const existing = new Map((await this.#store.toolSettings.list(connector.id)).map((s) => [s.toolName, s]));
    const firstReview = existing.size === 0;
    for (const tool of tools) {
      const hash = hashDefinition(tool);
      const setting = existing.get(tool.name);
      if (!setting || setting.pinnedHash === null) {
        await this.#store.toolSettings.put({
          connectorId: connector.id,
          toolName: tool.name,
          pinnedHash: hash,
          pinnedDefinition: definitionOf(tool),
          reviewState: firstReview || setting ? 'reviewed' : 'new',
          changedDefinition: null,
        });
      } else if (setting.pinnedHash !== hash && (setting.reviewState !== 'changed' || canonicalJson(setting.changedDefinition) !== canonicalJson(definitionOf(tool)))) {
        await this.#store.toolSettings.put({ connectorId: connector.id, toolName: tool.name, reviewState: 'changed', changedDefinition: definitionOf(tool) });
      } else if (setting.pinnedHash === hash && setting.reviewState === 'changed') {
        // The server went back to what the person reviewed.
        await this.#store.toolSettings.put({ connectorId: connector.id, toolName: tool.name, reviewState: 'reviewed', changedDefinition: null });
      }
    }
  }

  async state(connector: Connector, tool: Tool): Promise<ToolState> {
    const read = () => this.#store.toolSettings.get(connector.id, tool.name);
    let setting = await (this.#lookups ? this.#lookups.get(`setting\0${connector.id}\0${tool.name}`, read) : read());
    if (!setting) {
      await this.reconcile(connector, [tool]);
      setting = (await this.#store.toolSettings.get(connector.id, tool.name))!;
    }
    const effective = setting.approval === 'default' ? connector.policy.defaultApproval : setting.approval;
    return { setting, effective };
  }

  async settings(connector: Connector): Promise<ToolSetting[]> {
    return this.#store.toolSettings.list(connector.id);
  }

  async update(connector: Connector, toolName: string, change: { enabled?: boolean; approval?: ToolApproval; limits?: UsageLimits | null }): Promise<ToolSetting> {
    return this.#store.toolSettings.put({ connectorId: connector.id, toolName, ...change });
  }

  /** The person has seen the tool as the server offers it now: pin that, and lift a suspension. */
  async review(connector: Connector, tool: Tool): Promise<ToolSetting> {
    return this.#store.toolSettings.put({
      connectorId: connector.id,
      toolName: tool.name,
      pinnedHash: hashDefinition(tool),
      pinnedDefinition: definitionOf(tool),
      reviewState: 'reviewed',
      changedDefinition: null,
    });
  }

  /** Opens an approval request showing the connector, the tool's full description and the exact arguments. */
  async ask(userId: string, connector: Connector, tool: Tool, args: Record<string, unknown>, door: string): Promise<ApprovalRequest> {
    const now = Date.now();
    const request = await this.#store.approvals.create({
      id: randomUUID(),
      userId,
      connectorId: connector.id,
      toolName: tool.name,
      argumentsHash: hashCall(connector.id, tool.name, args),
      arguments: args,
      description: tool.description ?? '',
      door,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + APPROVAL_TTL_MS).toISOString(),
    });
    await this.#watch?.changed();
    return request;
  }

  /** Uses an allowed approval for exactly this call; false when it does not apply (any more). */
  async useApproval(approvalId: string, connector: Connector, toolName: string, args: Record<string, unknown>): Promise<boolean> {
    return this.#store.approvals.consume(approvalId, hashCall(connector.id, toolName, args), new Date().toISOString());
  }

  /** Answers an approval: allow once, always allow (the tool's approval becomes Allow), or deny. */
  async answer(userId: string, approvalId: string, answer: 'once' | 'always' | 'deny'): Promise<ApprovalRequest> {
    const request = await this.#store.approvals.get(approvalId);
    if (!request || request.userId !== userId) {
      throw new PatchbayError('NOT_FOUND', `No approval request ${approvalId.slice(0, 40)}. Run \`patchbay approvals\` to see the pending ones.`);
    }
    const answered = await this.#store.approvals.answer(approvalId, {
      allow: answer !== 'deny',
      always: answer === 'always',
      answeredBy: userId,
      now: new Date().toISOString(),
    });
    if (!answered) throw new PatchbayError('APPROVAL_INVALID', `Approval request ${approvalId.slice(0, 40)} was already answered or has expired.`);
    // Told before the setting is written: the answer stands even if that write fails.
    await this.#watch?.changed();
    if (answer === 'always') {
      await this.#store.toolSettings.put({ connectorId: request.connectorId, toolName: request.toolName, approval: 'allow' });
    }
    return answered;
  }
}

/** Arguments as the audit keeps them: secrets masked, at most 4 KB. */
export function auditArguments(args: unknown): string {
  const text = redactedJson(args);
  return text.length > 4096 ? `${text.slice(0, 4096)}…` : text;
}
