#!/usr/bin/env node
import { FerryError } from '@ferry/core';
import { createProgram } from './program.js';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const message = error instanceof FerryError || error instanceof Error ? error.message : String(error);
    console.error(`ferry: ${message}`);
    process.exit(1);
  });
