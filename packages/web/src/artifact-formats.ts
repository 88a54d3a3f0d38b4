/**
 * Parsers for the artifact formats the UI previews: a YAML subset (enough for MLmodel files as MLflow
 * writes them), CSV/TSV, MLflow logged tables and model signatures. Pure functions, no DOM.
 */

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
}

function plainScalar(text: string): Yaml {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?\d+$/.test(t)) return Number(t);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (t === '{}') return {};
  if (t === '[]') return [];
  if (t.startsWith('[') && t.endsWith(']')) return splitFlow(t.slice(1, -1)).map(flowScalar);
  if (t.startsWith('{') && t.endsWith('}')) {
    const out: Record<string, Yaml> = {};
    for (const part of splitFlow(t.slice(1, -1))) {
      const at = part.indexOf(':');
      if (at === -1) out[part.trim()] = null;
      else out[unquoteKey(part.slice(0, at))] = flowScalar(part.slice(at + 1));
    }
    return out;
  }
  return t;
}

/** Splits a flow collection's inside on top-level commas (quotes respected; no nesting). */
function splitFlow(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ',') {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

function flowScalar(text: string): Yaml {
  const t = text.trim();
  return t.startsWith("'") || t.startsWith('"') ? unquote(t) : plainScalar(t);
}

function unquoteKey(text: string): string {
  const t = text.trim();
  return t.startsWith("'") || t.startsWith('"') ? String(unquote(t)) : t;
}

/** Folds the line breaks of a multi-line flow scalar: one break is a space, n+1 breaks are n newlines. */
function fold(text: string): string {
  return text.replace(/[ \t]*\n[ \t]*(\n*)[ \t]*/g, (_m, extra: string) => (extra ? extra : ' '));
}

/** Whether a quoted scalar starting at text[0] has its closing quote. */
function quoteClosed(text: string): boolean {
  const q = text[0];
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (q === '"' && ch === '\\') {
      i++;
      continue;
    }
    if (ch === q) {
      if (q === "'" && text[i + 1] === "'") {
        i++;
        continue;
      }
      return true;
    }
  }
  return false;
}

function unquote(text: string): string {
  const t = text.trim();
  const q = t[0];
  const inner = fold(t.slice(1, t.lastIndexOf(q!) > 0 ? t.lastIndexOf(q!) : undefined));
  if (q === "'") return inner.replace(/''/g, "'");
  try {
    return JSON.parse(`"${inner.replace(/\\\n/g, '').replace(/\t/g, '\\t')}"`) as string;
  } catch {
    return inner;
  }
}

class YamlReader {
  private at = 0;
  constructor(private readonly lines: Line[]) {}

  private peek(): Line | undefined {
    return this.lines[this.at];
  }

  /** The next non-blank line (blank lines between entries mean nothing). */
  private next(): Line | undefined {
    while (this.lines[this.at]?.text === '') this.at++;
    return this.lines[this.at];
  }

  block(indent: number): Yaml {
    const first = this.next();
    if (!first || first.indent < indent) return null;
    return first.text === '-' || first.text.startsWith('- ')
      ? this.sequence(first.indent)
      : this.mapping(first.indent);
  }

  private sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (let line = this.next(); line && line.indent === indent && /^-( |$)/.test(line.text);) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.at++;
        out.push(this.block(indent + 1));
      } else {
        // `- key: value` opens a mapping whose keys sit at the item's content column.
        const column = indent + (line.text.length - rest.length);
        this.lines[this.at] = { indent: column, text: rest };
        out.push(/^[^'"[{][^:]*:( |$)/.test(rest) ? this.mapping(column) : this.value(rest, column));
      }
      line = this.next();
    }
    return out;
  }

  private mapping(indent: number): Record<string, Yaml> {
    const out: Record<string, Yaml> = {};
    for (let line = this.next(); line && line.indent === indent; line = this.next()) {
      const match = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^:]+?)\s*:(?:\s+(.*))?$/.exec(line.text);
      if (!match) {
        this.at++;
        continue;
      }
      const key = unquoteKey(match[1]!);
      const rest = (match[2] ?? '').trim();
      if (rest === '') {
        this.at++;
        const next = this.next();
        if (next && (next.indent > indent || (next.indent === indent && /^-( |$)/.test(next.text)))) {
          out[key] = this.block(next.indent);
        } else out[key] = null;
      } else out[key] = this.value(rest, indent);
    }
    return out;
  }

  /** A scalar starting on the current line (after `key:` or `- `), with its continuation lines. */
  private value(rest: string, indent: number): Yaml {
    this.at++;
    if (/^[|>][-+]?\d*$/.test(rest)) {
      const body: string[] = [];
      let column: number | undefined;
      for (let l = this.peek(); l && (l.indent > indent || l.text === ''); l = this.peek()) {
        if (l.text !== '') column ??= l.indent;
        body.push(l.text === '' ? '' : ' '.repeat(Math.max(0, l.indent - (column ?? l.indent))) + l.text);
        this.at++;
      }
      const joined = body.join('\n').replace(/\n+$/, '');
      const text = rest.startsWith('|') ? joined : fold(joined);
      return rest.includes('-') ? text : `${text}\n`;
    }
    let text = rest;
    if (rest.startsWith("'") || rest.startsWith('"')) {
      while (!quoteClosed(text) && this.peek()) {
        text += `\n${this.peek()!.text}`;
        this.at++;
      }
      return unquote(text);
    }
    for (let l = this.peek(); l && l.text !== '' && l.indent > indent; l = this.peek()) {
      text += ` ${l.text}`;
      this.at++;
    }
    return plainScalar(text.replace(/\s+#.*$/, ''));
  }
}

/** Parses the block-style YAML MLflow writes (maps, lists, plain/quoted/block scalars, simple flow). */
export function parseYaml(text: string): Yaml {
  const lines: Line[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trimStart().startsWith('#') || raw === '---') continue;
    // Blank lines only matter inside block and quoted scalars; the readers skip them elsewhere.
    lines.push({ indent: raw.length - raw.trimStart().length, text: raw.trim() });
  }
  while (lines.length > 0 && lines.at(-1)!.text === '') lines.pop();
  return new YamlReader(lines).block(0);
}

/** One column (or tensor) of a model signature's schema. */
export interface SchemaColumn {
  name: string;
  type: string;
  required: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(spec: Record<string, unknown>): string {
  const type = String(spec.type ?? '');
  if (type === 'tensor' && isRecord(spec['tensor-spec'])) {
    const t = spec['tensor-spec'];
    return `tensor ${String(t.dtype ?? '')} ${JSON.stringify(t.shape ?? [])}`.trim();
  }
  if (type === 'array' && isRecord(spec.items)) return `array<${typeName(spec.items)}>`;
  if (type === 'object' && Array.isArray(spec.properties)) return 'object';
  if (type === 'object' && isRecord(spec.properties)) {
    const fields = Object.entries(spec.properties).map(
      ([k, v]) => `${k}: ${isRecord(v) ? typeName(v) : '?'}`,
    );
    return `{${fields.join(', ')}}`;
  }
  return type;
}

/** The columns of a signature schema (`inputs`, `outputs` or `params`), given as its JSON text. */
export function schemaColumns(json: unknown): SchemaColumn[] | undefined {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value)) return undefined;
  return value.filter(isRecord).map((spec, i) => ({
    name: typeof spec.name === 'string' ? spec.name : `#${i}`,
    type: typeName(spec),
    required: spec.required !== false,
  }));
}

export interface MlModelSummary {
  artifactPath?: string;
  runId?: string;
  modelId?: string;
  modelUuid?: string;
  created?: string;
  mlflowVersion?: string;
  /** Flavor name and its scalar settings (loader module, python version, framework version...). */
  flavors: { name: string; details: [string, string][] }[];
  signature?: { inputs?: SchemaColumn[]; outputs?: SchemaColumn[]; params?: SchemaColumn[] };
  /** The signature block as written in the file. */
  signatureText?: string;
}

const text = (v: Yaml | undefined): string | undefined =>
  v === undefined || v === null || typeof v === 'object' ? undefined : String(v);

/** The `signature:` block of an MLmodel file's text, as written; undefined when there is none. */
export function signatureBlock(mlmodel: string): string | undefined {
  const lines = mlmodel.replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((l) => l.startsWith('signature:'));
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && l !== '' && !/^\s/.test(l));
  return lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .replace(/\n+$/, '');
}

/** What an MLmodel file says: its flavors, signature, run and model ids. Throws when it is not YAML. */
export function summarizeMlModel(source: string): MlModelSummary {
  const doc = parseYaml(source);
  if (!isRecord(doc)) throw new Error('MLmodel is not a YAML mapping');
  const flavors = isRecord(doc.flavors)
    ? Object.entries(doc.flavors).map(([name, settings]) => ({
        name,
        details: isRecord(settings)
          ? Object.entries(settings)
              .filter(([, v]) => text(v as Yaml) !== undefined)
              .map(([k, v]): [string, string] => [k, text(v as Yaml)!])
          : [],
      }))
    : [];
  const summary: MlModelSummary = { flavors };
  const fields: [keyof MlModelSummary, string][] = [
    ['artifactPath', 'artifact_path'],
    ['runId', 'run_id'],
    ['modelId', 'model_id'],
    ['modelUuid', 'model_uuid'],
    ['created', 'utc_time_created'],
    ['mlflowVersion', 'mlflow_version'],
  ];
  for (const [to, from] of fields) {
    const v = text(doc[from] as Yaml);
    if (v !== undefined && v !== '') (summary as unknown as Record<string, string>)[to] = v;
  }
  if (isRecord(doc.signature)) {
    const sig = doc.signature;
    summary.signature = {};
    for (const part of ['inputs', 'outputs', 'params'] as const) {
      const columns = sig[part] === undefined || sig[part] === null ? undefined : schemaColumns(sig[part]);
      if (columns) summary.signature[part] = columns;
    }
    summary.signatureText = signatureBlock(source);
  }
  return summary;
}

/** A table to preview: a header and rows of cells. */
export interface TableData {
  columns: string[];
  rows: string[][];
}

/** Parses CSV (RFC 4180 quoting) or, with a tab delimiter, TSV; the first row is the header. */
export function parseDelimited(source: string, delimiter = ',', truncated = false): TableData {
  const records: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const text = source.replace(/^\uFEFF/, '');
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      records.push(row);
      row = [];
      field = '';
    } else field += ch;
    i++;
  }
  // A cut-off file's last record is incomplete: drop it.
  if (!truncated && (field !== '' || row.length > 0)) {
    row.push(field);
    records.push(row);
  }
  const [header = [], ...rows] = records;
  return { columns: header, rows };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** An MLflow logged table (`mlflow.log_table`: `{"columns": [...], "data": [[...], ...]}`), or undefined. */
export function loggedTable(value: unknown): TableData | undefined {
  if (!isRecord(value) || !Array.isArray(value.columns) || !Array.isArray(value.data)) return undefined;
  if (!value.data.every((r) => Array.isArray(r))) return undefined;
  return {
    columns: value.columns.map(cell),
    rows: (value.data as unknown[][]).map((r) => r.map(cell)),
  };
}

/** Compares two cells: numerically when both are numbers, otherwise as text. */
export function compareCells(a: string, b: string): number {
  const x = a.trim() === '' ? NaN : Number(a);
  const y = b.trim() === '' ? NaN : Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** How the UI previews an artifact, from its file name. */
export type PreviewKind = 'image' | 'svg' | 'mlmodel' | 'json' | 'yaml' | 'csv' | 'tsv' | 'html' | 'text';

const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'md', 'markdown', 'py', 'r', 'sh', 'ini', 'cfg', 'conf', 'toml', 'xml', 'sql', 'js', 'ts',
  'java', 'scala', 'go', 'rs', 'c', 'h', 'cpp', 'ipynb', 'out', 'err', 'env', 'properties', 'rst', 'tex',
]); // prettier-ignore

export function previewKind(path: string): PreviewKind | undefined {
  const name = path.split('/').pop() ?? path;
  if (name === 'MLmodel') return 'mlmodel';
  if (/^(requirements|constraints).*\.txt$|^(python_env|conda)\.ya?ml$|^Dockerfile$|^LICENSE$/i.test(name)) {
    return /\.ya?ml$/i.test(name) ? 'yaml' : 'text';
  }
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'ico', 'avif'].includes(ext)) return 'image';
  if (ext === 'svg') return 'svg';
  if (ext === 'json' || ext === 'jsonl') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv') return 'tsv';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  return undefined;
}

/** Whether bytes look like text (no NUL in the first few KiB), for files with no known extension. */
export function looksLikeText(bytes: Uint8Array): boolean {
  return !bytes.subarray(0, 8192).includes(0);
}
