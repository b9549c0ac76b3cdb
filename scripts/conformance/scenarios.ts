/**
 * Which conformance client scenarios Patchbay runs, in one place. The names come
 * from the suite's own listing (`conformance list --client --spec-version <rev>`),
 * so a new suite version's scenarios show up without editing this file; only the
 * rule for what is in scope lives here.
 */
import type { ListedScenario } from './suite.ts';

/** One scenario at one spec revision: a scenario that spans revisions runs once under each wire. */
export interface ScenarioRun {
  scenario: string;
  specVersion: string;
}

export interface ScenarioScope {
  /** Include the authorization scenarios (`auth/*`). Off until Patchbay signs in with OAuth. */
  auth: boolean;
  /** Run only these scenario names (all in scope when empty). */
  only: readonly string[];
}

export function isAuthorizationScenario(name: string): boolean {
  return name.startsWith('auth/');
}

/** The runs in scope, in listing order, revision by revision. */
export function selectRuns(listings: ReadonlyMap<string, readonly ListedScenario[]>, scope: ScenarioScope): ScenarioRun[] {
  const runs: ScenarioRun[] = [];
  for (const [specVersion, scenarios] of listings) {
    for (const { name } of scenarios) {
      if (isAuthorizationScenario(name) && !scope.auth) continue;
      if (scope.only.length > 0 && !scope.only.includes(name)) continue;
      runs.push({ scenario: name, specVersion });
    }
  }
  return runs;
}
