/**
 * The suite's server scenarios that Patchbay's gateway passes when it fronts the
 * published server-everything (at /mcp/c/everything, where names and URIs pass
 * unchanged), per requirement set. Every other scenario of the two sets is listed in
 * GATEWAY_CANNOT with the reason: most exercise fixtures only the suite's own test
 * server has (tools such as `test_simple_text`, resources such as `test://static-text`,
 * prompts such as `test_simple_prompt`), which server-everything does not offer, so no
 * gateway in front of it can pass them.
 */
import type { ScenarioRun } from './scenarios.ts';

export const GATEWAY_ENDPOINT = '/mcp/c/everything';

export const GATEWAY_SCENARIOS: readonly ScenarioRun[] = [
  ...[
    'server-initialize',
    'server-session-lifecycle',
    'ping',
    'logging-set-level',
    'tools-list',
    'resources-list',
    'prompts-list',
    'server-sse-multiple-streams',
    'dns-rebinding-protection',
    'resources-subscribe',
    'resources-unsubscribe',
  ].map((scenario) => ({ scenario, specVersion: '2025-11-25' })),
  ...[
    'tools-list',
    'resources-list',
    'prompts-list',
    'server-sse-multiple-streams',
    'dns-rebinding-protection',
    'sep-2164-resource-not-found',
    'caching',
    'input-required-result-unsupported-methods',
    'input-required-result-validate-input',
  ].map((scenario) => ({ scenario, specVersion: '2026-07-28' })),
];

const FIXTURE = 'needs a fixture of the suite’s own test server that server-everything does not offer';

/** Scenarios of the 2025-11-25 and 2026-07-28 requirement sets the gateway in front of server-everything cannot pass, and why. */
export const GATEWAY_CANNOT: Readonly<Record<string, string>> = {
  'completion-complete': `${FIXTURE} (prompt test_prompt_with_arguments)`,
  'tools-call-simple-text': `${FIXTURE} (tool test_simple_text)`,
  'tools-call-image': `${FIXTURE} (tool test_image_content)`,
  'tools-call-audio': `${FIXTURE} (tool test_audio_content)`,
  'tools-call-embedded-resource': `${FIXTURE} (tool test_embedded_resource)`,
  'tools-call-mixed-content': `${FIXTURE} (tool test_multiple_content_types)`,
  'tools-call-with-logging': `${FIXTURE} (tool test_tool_with_logging)`,
  'tools-call-error': `${FIXTURE} (tool test_error_handling)`,
  'tools-call-with-progress': `${FIXTURE} (tool test_tool_with_progress); progress itself passes through (test/gateway-passthrough.test.ts)`,
  'tools-call-sampling': `${FIXTURE} (tool test_sampling); sampling itself passes through to clients that declare it`,
  'tools-call-elicitation': `${FIXTURE} (tool test_elicitation); elicitation itself passes through on 2025 sessions`,
  'elicitation-sep1034-defaults': `${FIXTURE} (tool test_elicitation_sep1034_defaults)`,
  'elicitation-sep1330-enums': `${FIXTURE} (tool test_elicitation_sep1330_enums)`,
  'resources-read-text': `${FIXTURE} (resource test://static-text)`,
  'resources-read-binary': `${FIXTURE} (resource test://static-binary)`,
  'resources-templates-read': `${FIXTURE} (template test://template/{id}/data)`,
  'prompts-get-simple': `${FIXTURE} (prompt test_simple_prompt)`,
  'prompts-get-with-args': `${FIXTURE} (prompt test_prompt_with_arguments)`,
  'prompts-get-embedded-resource': `${FIXTURE} (prompt test_prompt_with_embedded_resource)`,
  'prompts-get-with-image': `${FIXTURE} (prompt test_prompt_with_image)`,
  'json-schema-2020-12': `${FIXTURE} (tool json_schema_2020_12_tool); pending in the suite`,
  'server-sse-polling': 'pending in the suite: it records no checks',
  'server-stateless': `${FIXTURE} (diagnostic tools test_missing_capability, test_streaming_elicitation, test_logging_tool); 24 of its other checks pass`,
  'http-header-validation': 'calls the tool echo with no arguments; server-everything’s echo requires "message", so Patchbay refuses the call (INVALID_ARGUMENTS) where the suite expects success; 13 of 14 checks pass',
  'http-custom-header-server-validation': 'needs a tool with x-mcp-header annotations; server-everything has none',
  'input-required-result-basic-elicitation': `${FIXTURE} (input-required test tools)`,
  'input-required-result-basic-sampling': `${FIXTURE} (input-required test tools)`,
  'input-required-result-basic-list-roots': `${FIXTURE} (input-required test tools)`,
  'input-required-result-request-state': `${FIXTURE} (input-required test tools)`,
  'input-required-result-multiple-input-requests': `${FIXTURE} (input-required test tools)`,
  'input-required-result-multi-round': `${FIXTURE} (input-required test tools)`,
  'input-required-result-non-tool-request': `${FIXTURE} (prompt test_input_required_result_prompt)`,
  'input-required-result-result-type': `${FIXTURE} (tool test_input_required_result_elicitation)`,
  'input-required-result-missing-input-response': `${FIXTURE} (input-required test tools): the gateway answers with an error where the suite recommends re-requesting (a SHOULD, reported as a warning)`,
  'input-required-result-ignore-extra-params': `${FIXTURE} (tool test_input_required_result_elicitation; a warning)`,
  'input-required-result-tampered-state': `${FIXTURE} (input-required test tools)`,
  'input-required-result-capability-check': `${FIXTURE} (tool test_input_required_result_capabilities)`,
  'tasks-*': 'extension scenarios (tasks) that the requirement set runs unscored; neither Patchbay nor server-everything offers tasks',
};
