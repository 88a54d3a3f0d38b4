import { Command } from 'commander';
import { FERRY_VERSION } from '@ferry/server';
import { artifactsCommand } from './commands/artifacts.js';
import { dbCommand } from './commands/db.js';
import { experimentsCommand } from './commands/experiments.js';
import { gcCommand } from './commands/gc.js';
import { metricsCommand } from './commands/metrics.js';
import { modelsCommand } from './commands/models/index.js';
import { pipelinesCommand } from './commands/pipelines/index.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { serverCommand } from './commands/server.js';

/** The `ferry` command line: one file per noun under commands/. */
export function createProgram(): Command {
  return new Command('ferry')
    .description('Ferry: experiment tracking, models, pipelines and serving')
    .version(FERRY_VERSION)
    .enablePositionalOptions()
    .addCommand(serverCommand())
    .addCommand(dbCommand())
    .addCommand(experimentsCommand())
    .addCommand(runCommand())
    .addCommand(runsCommand())
    .addCommand(metricsCommand())
    .addCommand(artifactsCommand())
    .addCommand(gcCommand())
    .addCommand(modelsCommand())
    .addCommand(pipelinesCommand());
}
