/**
 * The application services every surface calls — connectors, sessions, catalog and
 * operations — behind one `Hub`. The one door for tool calls is `Hub.callTool`.
 *
 * May import: src/core, src/mcp, src/store (and later src/auth, src/policy).
 */
export { ACCESS_TOKEN_PREFIX, AccessTokens, hashAccessToken, type TokenGrant } from './access-tokens.ts';
export { LookupCache } from './lookup-cache.ts';
export { deriveName, isLoopbackHost, NAME_PATTERN, normalizeConnectorUrl, uniqueName, validateName } from './connector-rules.ts';
export { type Actor, type AddConnectorInput, type CallContext, type Catalog, type CatalogChange, type CredentialsInput, type Door, type HiddenTextReport, Hub, type ModelTool, type ResourceUpdate, type ToolCallContext, type HubDeps, type UpdateConnectorInput } from './hub.ts';
export { type ConfiguredOAuthClients, SignIn, type SignInDeps, type SignInStart } from './sign-in.ts';
export {
  type DiagnoseDeps,
  diagnose,
  Doctor,
  type DoctorOptions,
  type DoctorReport,
  type DoctorServerFacts,
  type DoctorServiceDeps,
  type DoctorStep,
  type DoctorTarget,
  type DoctorVerdict,
  type StepStatus,
  type StoredSignIn,
} from './doctor.ts';
export { canonicalJson, definitionOf, hashCall, hashDefinition } from './tool-policy.ts';
export { type ApprovalCard, type AttachableGroup, type AttachmentInput, Chat, type ChatDeps, type ChatEvent, type ElicitationAnswer, type ElicitationCard, type SamplingCard, resultText, type ToolOffer, type TurnEnd, toModelMessages } from './chat.ts';
export { CALL_TOOL, DESCRIBE_TOOL, estimateTokens, SEARCH_TOOL, searchTools, surfaceDefinitions, type ToolDefinition, toolFootprint } from './tool-surface.ts';
export { createLanguageModel, MODEL_PROVIDERS, type ModelEndpointInput, ModelEndpoints, validateModelEndpoint } from './model-endpoints.ts';
export { canSubscribe } from '../mcp/index.ts';
