/**
 * The command table: every command the CLI knows, in the order help lists them.
 */
import type { CommandSpec } from './command.ts';
import { addCommand } from './commands/add.ts';
import { authCommand } from './commands/auth.ts';
import { loginCommand } from './commands/login.ts';
import { logoutCommand } from './commands/logout.ts';
import { approvalsCommand, approveCommand, auditCommand, denyCommand, policyCommand, reviewCommand, toolCommand } from './commands/policy.ts';
import { callCommand } from './commands/call.ts';
import { completeCommand } from './commands/complete.ts';
import { doctorCommand } from './commands/doctor.ts';
import { exampleServerCommand } from './commands/example-server.ts';
import { gatewayCommand } from './commands/gateway.ts';
import { helpCommand } from './commands/help.ts';
import { listCommand } from './commands/list.ts';
import { modelsCommand } from './commands/models.ts';
import { promptCommand, promptsCommand } from './commands/prompts.ts';
import { removeCommand } from './commands/remove.ts';
import { readCommand, resourcesCommand } from './commands/resources.ts';
import { serveCommand } from './commands/serve.ts';
import { showCommand } from './commands/show.ts';
import { testCommand } from './commands/test.ts';
import { tokenCommand } from './commands/token.ts';
import { toolsCommand } from './commands/tools.ts';
import { updateCommand } from './commands/update.ts';

export const COMMANDS: CommandSpec[] = [
  addCommand,
  listCommand,
  showCommand,
  updateCommand,
  removeCommand,
  authCommand,
  loginCommand,
  logoutCommand,
  policyCommand,
  toolCommand,
  reviewCommand,
  approvalsCommand,
  approveCommand,
  denyCommand,
  auditCommand,
  testCommand,
  doctorCommand,
  toolsCommand,
  callCommand,
  resourcesCommand,
  readCommand,
  promptsCommand,
  promptCommand,
  completeCommand,
  modelsCommand,
  serveCommand,
  gatewayCommand,
  tokenCommand,
  exampleServerCommand,
  helpCommand,
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
