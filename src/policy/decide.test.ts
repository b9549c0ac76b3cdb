import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Approval, type Decision, type DecisionInput, type Door, decide } from './decide.ts';

const base: DecisionInput = {
  setting: { enabled: true, approval: 'default' },
  connector: { defaultApproval: 'ask', allowReadOnly: false },
  reviewState: 'reviewed',
  annotations: undefined,
  door: 'api',
  direct: false,
  approved: false,
};
const withInput = (patch: Partial<DecisionInput>): DecisionInput => ({ ...base, ...patch });
const outcome = (d: Decision) => (d.outcome === 'refuse' ? `refuse:${d.code}` : `${d.outcome}:${d.because}`);

const TABLE: Array<[string, Partial<DecisionInput>, string]> = [
  ['a new connector asks', {}, 'ask:setting'],
  ['a direct call is its own approval', { direct: true }, 'allow:direct-call'],
  ['an approval for this call lets it through', { approved: true }, 'allow:approval'],
  ['tool set to allow', { setting: { enabled: true, approval: 'allow' } }, 'allow:setting'],
  ['tool set to block', { setting: { enabled: true, approval: 'block' } }, 'refuse:TOOL_BLOCKED'],
  ['block applies to direct calls too', { setting: { enabled: true, approval: 'block' }, direct: true }, 'refuse:TOOL_BLOCKED'],
  ['block ignores an approval', { setting: { enabled: true, approval: 'block' }, approved: true }, 'refuse:TOOL_BLOCKED'],
  ['disabled beats allow', { setting: { enabled: false, approval: 'allow' } }, 'refuse:TOOL_DISABLED'],
  ['disabled applies to direct calls', { setting: { enabled: false, approval: 'default' }, direct: true }, 'refuse:TOOL_DISABLED'],
  ['a changed definition is suspended', { reviewState: 'changed', setting: { enabled: true, approval: 'allow' } }, 'refuse:TOOL_DEFINITION_CHANGED'],
  ['a changed definition is suspended for direct calls', { reviewState: 'changed', direct: true }, 'refuse:TOOL_DEFINITION_CHANGED'],
  ['disabled is reported before changed', { reviewState: 'changed', setting: { enabled: false, approval: 'allow' } }, 'refuse:TOOL_DISABLED'],
  ['a new tool follows the connector default', { reviewState: 'new' }, 'ask:setting'],
  ['a new tool under an allowing connector', { reviewState: 'new', connector: { defaultApproval: 'allow', allowReadOnly: false } }, 'allow:setting'],
  ['connector default allow', { connector: { defaultApproval: 'allow', allowReadOnly: false } }, 'allow:setting'],
  ['connector default block', { connector: { defaultApproval: 'block', allowReadOnly: false } }, 'refuse:TOOL_BLOCKED'],
  ['tool allow overrides connector block', { setting: { enabled: true, approval: 'allow' }, connector: { defaultApproval: 'block', allowReadOnly: false } }, 'allow:setting'],
  ['tool ask overrides connector allow', { setting: { enabled: true, approval: 'ask' }, connector: { defaultApproval: 'allow', allowReadOnly: false } }, 'ask:setting'],
  ['read-only claim without opt-in still asks', { annotations: { readOnlyHint: true } }, 'ask:setting'],
  ['read-only claim with opt-in runs', { annotations: { readOnlyHint: true }, connector: { defaultApproval: 'ask', allowReadOnly: true } }, 'allow:read-only-claim'],
  ['opt-in does nothing for tools not claiming read-only', { annotations: { readOnlyHint: false }, connector: { defaultApproval: 'ask', allowReadOnly: true } }, 'ask:setting'],
  ['opt-in with no annotations asks', { connector: { defaultApproval: 'ask', allowReadOnly: true } }, 'ask:setting'],
  ['read-only claim never loosens a tool set to ask', { setting: { enabled: true, approval: 'ask' }, annotations: { readOnlyHint: true }, connector: { defaultApproval: 'ask', allowReadOnly: true } }, 'ask:setting'],
  ['read-only claim never lifts a tool block', { setting: { enabled: true, approval: 'block' }, annotations: { readOnlyHint: true }, connector: { defaultApproval: 'allow', allowReadOnly: true } }, 'refuse:TOOL_BLOCKED'],
  ['read-only claim never lifts a connector block', { annotations: { readOnlyHint: true }, connector: { defaultApproval: 'block', allowReadOnly: true } }, 'refuse:TOOL_BLOCKED'],
  ['the gateway asks like the API', { door: 'gateway' }, 'ask:setting'],
  ['the chat asks like the API', { door: 'chat' }, 'ask:setting'],
  ['a CLI call that is not direct asks', { door: 'cli' }, 'ask:setting'],
];

for (const [name, patch, expected] of TABLE) {
  test(`decide: ${name}`, () => {
    assert.equal(outcome(decide(withInput(patch))), expected);
  });
}

test('decide: every combination obeys the invariants', () => {
  const approvals: Array<Approval | 'default'> = ['default', 'allow', 'ask', 'block'];
  const defaults: Approval[] = ['allow', 'ask', 'block'];
  const doors: Door[] = ['cli', 'api', 'chat', 'gateway'];
  let checked = 0;
  for (const enabled of [true, false])
    for (const approval of approvals)
      for (const defaultApproval of defaults)
        for (const allowReadOnly of [true, false])
          for (const readOnlyHint of [true, false, undefined])
            for (const reviewState of ['new', 'reviewed', 'changed'] as const)
              for (const direct of [true, false])
                for (const approved of [true, false]) {
                  const decisions = doors.map((door) =>
                    decide({
                      setting: { enabled, approval },
                      connector: { defaultApproval, allowReadOnly },
                      reviewState,
                      annotations: readOnlyHint === undefined ? undefined : { readOnlyHint },
                      door,
                      direct,
                      approved,
                    }),
                  );
                  const d = decisions[0];
                  // One decision whichever door the call came through.
                  for (const other of decisions) assert.deepEqual(other, d);
                  if (!enabled) assert.equal(outcome(d), 'refuse:TOOL_DISABLED');
                  else if (reviewState === 'changed') assert.equal(outcome(d), 'refuse:TOOL_DEFINITION_CHANGED');
                  if (approval === 'block' && enabled && reviewState !== 'changed') assert.equal(outcome(d), 'refuse:TOOL_BLOCKED');
                  // An explicit Ask on the tool is never loosened by the server's claim.
                  if (approval === 'ask' && d.outcome === 'allow') assert.ok(d.because === 'direct-call' || d.because === 'approval');
                  // Asking happens only when neither a direct call nor an approval is there.
                  if (d.outcome === 'ask') assert.ok(!direct && !approved);
                  // A direct call or an approval never turns a refusal into a call.
                  const strict = decide({ setting: { enabled, approval }, connector: { defaultApproval, allowReadOnly }, reviewState, annotations: readOnlyHint === undefined ? undefined : { readOnlyHint }, door: 'api', direct: false, approved: false });
                  if (strict.outcome === 'refuse') assert.deepEqual(d, strict);
                  checked++;
                }
  assert.equal(checked, 2 * 4 * 3 * 2 * 3 * 3 * 2 * 2);
});
