/**
 * What policy owns: pure rules — who may call what, limits, pins, hidden-text checks,
 * stable names. No I/O; imports only src/core.
 */
export { type Approval, type Decision, type DecisionInput, type Door, decide, effectiveApproval, type RefusalCode } from './decide.ts';
export {
  DEFAULT_DEFINITION_LIMITS,
  type DefinitionFinding,
  type DefinitionInspection,
  type DefinitionLimits,
  type HiddenFinding,
  type HiddenKind,
  cleanToolResult,
  inspectPrompt,
  inspectResource,
  inspectText,
  inspectTool,
  type PromptDefinitionLike,
  type ResourceDefinitionLike,
  type ToolResultLike,
  type TextInspection,
  type ToolDefinitionLike,
} from './hidden-text.ts';
export { buildToolNames, type NamedTool, TOOL_NAME_PATTERN, type ToolNameEntry, type ToolNameMap } from './tool-names.ts';
