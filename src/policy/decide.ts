/**
 * The decision for one tool call: a pure function of the tool's setting, its
 * connector's policy, the review state of its definition, what the server claims
 * about it, and how the call came in. Usage limits are counted after a decision to
 * call, atomically in the store; they are not part of this function.
 */

export type Approval = 'allow' | 'ask' | 'block';
export type Door = 'cli' | 'api' | 'chat' | 'gateway';

export interface DecisionInput {
  /** The tool's own setting; approval 'default' follows the connector. */
  setting: { enabled: boolean; approval: Approval | 'default' };
  connector: { defaultApproval: Approval; allowReadOnly: boolean };
  /** 'changed': the server now offers another definition than the one the person reviewed. */
  reviewState: 'new' | 'reviewed' | 'changed';
  /** What the server says about the tool: a claim, never proof. */
  annotations: { readOnlyHint?: boolean } | undefined;
  door: Door;
  /**
   * The person made this very call themselves (`patchbay call`, a button): that is the
   * approval. Calls a model or another client makes are not direct.
   */
  direct: boolean;
  /** An approval the person gave for exactly this call (checked and used by the caller). */
  approved: boolean;
}

export type RefusalCode = 'TOOL_DISABLED' | 'TOOL_BLOCKED' | 'TOOL_DEFINITION_CHANGED';

export type Decision =
  | { outcome: 'allow'; because: 'setting' | 'read-only-claim' | 'direct-call' | 'approval' }
  | { outcome: 'ask'; because: 'setting' }
  | { outcome: 'refuse'; code: RefusalCode; because: string };

/** The approval that applies, and whether it came from the server's read-only claim. */
export function effectiveApproval(input: Pick<DecisionInput, 'setting' | 'connector' | 'annotations'>): { approval: Approval; fromClaim: boolean } {
  if (input.setting.approval !== 'default') return { approval: input.setting.approval, fromClaim: false };
  // The claim may only loosen the connector's default, and only when the person opted in;
  // it never loosens anything set on the tool itself, and never lifts a connector-wide Block.
  if (input.connector.allowReadOnly && input.annotations?.readOnlyHint === true && input.connector.defaultApproval === 'ask') {
    return { approval: 'allow', fromClaim: true };
  }
  return { approval: input.connector.defaultApproval, fromClaim: false };
}

export function decide(input: DecisionInput): Decision {
  if (!input.setting.enabled) return { outcome: 'refuse', code: 'TOOL_DISABLED', because: 'the tool is disabled' };
  if (input.reviewState === 'changed') {
    return { outcome: 'refuse', code: 'TOOL_DEFINITION_CHANGED', because: 'the server changed the tool since it was reviewed' };
  }
  const { approval, fromClaim } = effectiveApproval(input);
  if (approval === 'block') return { outcome: 'refuse', code: 'TOOL_BLOCKED', because: 'the tool is blocked' };
  if (approval === 'allow') return { outcome: 'allow', because: fromClaim ? 'read-only-claim' : 'setting' };
  if (input.direct) return { outcome: 'allow', because: 'direct-call' };
  if (input.approved) return { outcome: 'allow', because: 'approval' };
  return { outcome: 'ask', because: 'setting' };
}
