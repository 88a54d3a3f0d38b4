import { Command } from 'commander';
import { FERRY_VERSION } from '@ferry/server';
import { dbCommand } from './commands/db.js';
import { serverCommand } from './commands/server.js';

/** The `ferry` command line: one file per noun under commands/. */
export function createProgram(): Command {
  return new Command('ferry')
    .description('Ferry: experiment tracking, models, pipelines and serving')
    .version(FERRY_VERSION)
    .addCommand(serverCommand())
    .addCommand(dbCommand());
}
