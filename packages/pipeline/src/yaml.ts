import { parse, stringify } from 'yaml';
import { PipelineCompileError } from './errors.js';
import { parseSpec } from './schema.js';
import type { PipelineSpec } from './spec.js';

/** Parses YAML or JSON text (JSON is YAML) into a validated spec. */
export function loadSpec(text: string): PipelineSpec {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new PipelineCompileError([
      { path: '', message: `not valid YAML or JSON: ${(error as Error).message}` },
    ]);
  }
  return parseSpec(data);
}

/** Writes a spec as YAML (the default) or pretty-printed JSON. */
export function dumpSpec(spec: PipelineSpec, format: 'yaml' | 'json' = 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(spec, null, 2)}\n`;
  return stringify(spec, { aliasDuplicateObjects: false, lineWidth: 0 });
}
