#!/usr/bin/env node
import { FerryError } from '@ferry/core';
import { fileURLToPath } from 'node:url';
import { createProgram } from './program.js';

// Pipelines' project steps start `ferry run`: with this very Ferry, not whichever is on the PATH.
process.env['FERRY_PROJECT_COMMAND'] ??= JSON.stringify([
  process.execPath,
  fileURLToPath(import.meta.url),
  'run',
]);

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const message = error instanceof FerryError || error instanceof Error ? error.message : String(error);
    console.error(`ferry: ${message}`);
    process.exit(1);
  });
