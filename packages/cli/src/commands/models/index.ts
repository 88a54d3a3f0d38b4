import { Command } from 'commander';
import { addAliasCommands } from './alias.js';
import { addBuildManifestsCommand } from './build-manifests.js';
import { addDeleteCommand } from './delete.js';
import { addDescribeCommand } from './describe.js';
import { addDownloadCommand } from './download.js';
import { addListCommand } from './list.js';
import { addPredictCommand } from './predict.js';
import { addRegisterCommand } from './register.js';
import { addServeCommand } from './serve.js';
import { addTagCommands } from './tag.js';
import { addTransitionCommand } from './transition.js';

/** `ferry models ...`: the model registry — register, list, describe, stages, aliases, tags, download. */
export function modelsCommand(): Command {
  const cmd = new Command('models').description(
    'Register, find, promote, download and serve registered models',
  );
  // The order here is the order of `ferry models --help`.
  addListCommand(cmd);
  addDescribeCommand(cmd);
  addRegisterCommand(cmd);
  addTransitionCommand(cmd);
  addAliasCommands(cmd);
  addTagCommands(cmd);
  addDeleteCommand(cmd);
  addDownloadCommand(cmd);
  addServeCommand(cmd);
  addPredictCommand(cmd);
  addBuildManifestsCommand(cmd);
  return cmd;
}
