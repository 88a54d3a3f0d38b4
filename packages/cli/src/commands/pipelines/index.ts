import { Command } from 'commander';
import { addCompileCommand } from './compile.js';
import { addDeleteCommand, addListCommand, addVersionsCommand } from './list.js';
import { addLogsCommand } from './logs.js';
import { addRetryCommand, addRunCommand } from './run.js';
import { addCancelCommand, addGetRunCommand, addRunsCommand } from './runs.js';
import { scheduleCommand } from './schedule.js';

/** `ferry pipelines ...`: compile and run pipelines, follow their runs and tasks, schedule them. */
export function pipelinesCommand(): Command {
  const cmd = new Command('pipelines').description('Compile, run, follow and schedule pipelines');
  // The order here is the order of `ferry pipelines --help`.
  addCompileCommand(cmd);
  addRunCommand(cmd);
  addRunsCommand(cmd);
  addGetRunCommand(cmd);
  addLogsCommand(cmd);
  addCancelCommand(cmd);
  addRetryCommand(cmd);
  addListCommand(cmd);
  addVersionsCommand(cmd);
  addDeleteCommand(cmd);
  cmd.addCommand(scheduleCommand());
  return cmd;
}
