/**
 * Which conformance client scenarios Patchbay runs, in one place. The names come
 * from the suite's own listing (`conformance list --client --spec-version <rev>`),
 * so a new suite version's scenarios show up without editing this file; only the
 * rule for what is in scope lives here, with the extensions Patchbay claims and the
 * failures it expects.
 */
import type { ListedScenario } from './suite.ts';

/** One scenario at one spec revision: a scenario that spans revisions runs once under each wire. */
export interface ScenarioRun {
  scenario: string;
  specVersion: string;
  /** An extension scenario: not on the revision's timeline, run at its wire anyway. */
  force?: boolean;
}

export interface ScenarioScope {
  /** Include the authorization scenarios (`auth/*`). */
  auth: boolean;
  /** Run only these scenario names (all in scope when empty). */
  only: readonly string[];
}

/**
 * The extension scenarios Patchbay claims, run at every revision whose requirement set
 * lists them (never scored by the suite, so claimed here): OAuth client credentials,
 * machine-to-machine sign-in with a secret or a private key.
 */
export const CLAIMED_EXTENSIONS: readonly string[] = ['auth/client-credentials-basic', 'auth/client-credentials-jwt'];

export function isAuthorizationScenario(name: string): boolean {
  return name.startsWith('auth/');
}

/**
 * The runs in scope, in listing order, revision by revision; then the claimed
 * extension scenarios each revision's requirement set lists (`extensions`).
 */
export function selectRuns(
  listings: ReadonlyMap<string, readonly ListedScenario[]>,
  scope: ScenarioScope,
  extensions: ReadonlyMap<string, readonly string[]> = new Map(),
): ScenarioRun[] {
  const inScope = (name: string) => (scope.auth || !isAuthorizationScenario(name)) && (scope.only.length === 0 || scope.only.includes(name));
  const runs: ScenarioRun[] = [];
  for (const [specVersion, scenarios] of listings) {
    for (const { name } of scenarios) if (inScope(name)) runs.push({ scenario: name, specVersion });
  }
  for (const [specVersion, names] of extensions) {
    for (const name of CLAIMED_EXTENSIONS) if (names.includes(name) && inScope(name)) runs.push({ scenario: name, specVersion, force: true });
  }
  return runs;
}

/** `scenario` (every revision) or `scenario@revision`, as listed in expected-failures.yml. */
export function isExpectedFailure(expected: ReadonlySet<string>, run: ScenarioRun): boolean {
  return expected.has(run.scenario) || expected.has(`${run.scenario}@${run.specVersion}`);
}

/**
 * Reads expected-failures.yml: a `client:` list of scenario names (optionally
 * `@revision`), the same shape as the suite's own `--expected-failures` file. Only
 * that shape is accepted, so a typo cannot silently expect nothing.
 */
export function parseExpectedFailures(text: string): Set<string> {
  const names = new Set<string>();
  let inClient = false;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\s+#.*$|^#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    const key = /^(\w+):\s*(\[\])?$/.exec(line);
    if (key) {
      inClient = key[1] === 'client';
      continue;
    }
    const item = /^\s+-\s+['"]?([\w/@.-]+)['"]?$/.exec(line);
    if (!item || !inClient) throw new Error(`expected-failures.yml line ${index + 1}: expected "client:" and "  - <scenario>[@<revision>]" lines, got "${raw.trim()}".`);
    names.add(item[1]);
  }
  return names;
}
