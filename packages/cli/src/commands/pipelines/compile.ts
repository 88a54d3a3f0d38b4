import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { loadPipelineFile } from './load.js';

/** `ferry pipelines compile`: a pipeline module or spec file, as a validated spec (YAML or JSON). */
export function addCompileCommand(cmd: Command): void {
  cmd
    .command('compile')
    .description('Compile a pipeline (a .ts/.js module, or check a .yaml/.json spec) and print its spec')
    .argument('<file>', 'a module exporting a pipeline() definition, or a YAML/JSON spec')
    .option('--export <name>', "the module's export to compile (default: the default or only pipeline)")
    .option('-o, --output <file>', 'write the spec to this file instead of printing it')
    .addOption(
      new Option(
        '--format <format>',
        'yaml, or json (default: json for a .json output file, else yaml)',
      ).choices(['yaml', 'json']),
    )
    .action(async (file: string, opts: { export?: string; output?: string; format?: 'yaml' | 'json' }) => {
      const spec = await loadPipelineFile(file, opts.export !== undefined ? { export: opts.export } : {});
      const { dumpSpec } = await import('@ferry/pipeline');
      const format =
        opts.format ?? (opts.output && extname(opts.output).toLowerCase() === '.json' ? 'json' : 'yaml');
      const text = dumpSpec(spec, format);
      if (!opts.output) {
        process.stdout.write(text);
        return;
      }
      await writeFile(opts.output, text);
      console.error(`Wrote the spec of pipeline '${spec.name}' to ${opts.output}`);
    });
}
