/**
 * What policy owns: pure rules — who may call what, limits, pins, hidden-text checks,
 * stable names. No I/O; imports only src/core.
 */
export { type Approval, type Decision, type DecisionInput, type Door, decide, effectiveApproval, type RefusalCode } from './decide.ts';
