#!/usr/bin/env node
// Turns the recorded MLflow 3.11 exchanges (API-examples.md: `### title`, a `METHOD path` → status line,
// then an optional request block and a response block) into the JSON fixture the server's golden test
// replays, so that the test never reads the markdown (which a clone of the project does not have).
//
//   node scripts/extract-mlflow-exchanges.mjs path/to/API-examples.md [out.json]
//
// Each exchange becomes { title, method, path, status, requestContentType?, requestBody?,
// responseContentType, responseBody, truncated?, truncatedParts?, reconstructed? }, in recorded order:
// - requestBody: the parsed JSON, the raw text when it is not JSON, or null when nothing was sent.
// - responseBody: the parsed JSON, or the raw text for non-JSON responses.
// - Bodies the recording cut short (`…(truncated)`) are marked `truncated: true` with `truncatedParts`
//   naming the cut part(s). A cut request whose title says what it was ("101 params", "1001 metrics",
//   "value 6001 chars") is rebuilt in full here, checked against the visible prefix, and described in
//   `reconstructed`. A cut response keeps the recorded prefix, parsed after closing whatever was still
//   open, so it holds every key the recording shows (a tail may be missing).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TRUNCATED = '…(truncated)';
const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = resolve(here, '../packages/server/test/fixtures/mlflow-exchanges.json');

function fail(message) {
  console.error(`extract-mlflow-exchanges: ${message}`);
  process.exit(1);
}

/** json.dumps as the recorder's Python client wrote request bodies: ", " and ": " separators. */
function pyDumps(value) {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Parses the prefix of a JSON document and returns the value it shows: a string cut short keeps its
 * visible part, a key whose value is missing is dropped, open arrays and objects are closed.
 */
function parseJsonPrefix(text) {
  const MISSING = Symbol('missing');
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const string = () => {
    let raw = '';
    i++; // opening quote
    while (i < text.length) {
      const ch = text[i++];
      if (ch === '"') return { value: JSON.parse(`"${raw}"`), complete: true };
      if (ch === '\\') {
        if (i >= text.length) break;
        raw += ch + text[i++];
      } else {
        raw += ch;
      }
    }
    return { value: JSON.parse(`"${raw.replace(/\\u[0-9a-fA-F]{0,3}$/, '')}"`), complete: false };
  };
  const value = () => {
    ws();
    if (i >= text.length) return MISSING;
    const ch = text[i];
    if (ch === '"') return string().value;
    if (ch === '{') {
      i++;
      const obj = {};
      for (;;) {
        ws();
        if (i >= text.length) return obj;
        if (text[i] === '}') return (i++, obj);
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] !== '"') throw new SyntaxError(`unexpected ${text[i]} at ${i}`);
        const key = string();
        if (!key.complete) return obj;
        ws();
        if (i >= text.length) return obj;
        if (text[i++] !== ':') throw new SyntaxError(`expected : at ${i - 1}`);
        const v = value();
        if (v === MISSING) return obj;
        obj[key.value] = v;
      }
    }
    if (ch === '[') {
      i++;
      const arr = [];
      for (;;) {
        ws();
        if (i >= text.length) return arr;
        if (text[i] === ']') return (i++, arr);
        if (text[i] === ',') {
          i++;
          continue;
        }
        const v = value();
        if (v === MISSING) return arr;
        arr.push(v);
      }
    }
    const literal = /^(?:-?\d+(?:\.\d*)?(?:[eE][+-]?\d*)?|true|false|null)/.exec(text.slice(i));
    if (!literal) {
      if (/^[-\w.+]*$/.test(text.slice(i))) return MISSING; // a literal cut short
      throw new SyntaxError(`unexpected ${ch} at ${i}`);
    }
    i += literal[0].length;
    // A number at the very end may have lost digits: its type is still right.
    return JSON.parse(literal[0].replace(/[.eE+-]+$/, ''));
  };
  const result = value();
  if (result === MISSING) throw new SyntaxError('empty JSON prefix');
  return result;
}

/** Rebuilds the full body of a truncated request from its title; undefined when the title says nothing. */
function reconstructRequest(title, prefix) {
  const partial = parseJsonPrefix(prefix);
  let m;
  if ((m = /(\d+) params\b/.exec(title))) {
    const n = Number(m[1]);
    return {
      body: { ...partial, params: Array.from({ length: n }, (_, i) => ({ key: `q${i}`, value: '1' })) },
      how: `${n} params q0..q${n - 1}, each value "1", as the title and the visible prefix show`,
    };
  }
  if ((m = /(\d+) metrics\b/.exec(title))) {
    const n = Number(m[1]);
    return {
      body: {
        ...partial,
        metrics: Array.from({ length: n }, (_, i) => ({ key: 'c', value: 1, timestamp: i })),
      },
      how: `${n} metrics "c" = 1 at timestamps 0..${n - 1}, as the title and the visible prefix show`,
    };
  }
  if ((m = /value (\d+) chars/.exec(title))) {
    const n = Number(m[1]);
    const ch = String(partial.value ?? 'v')[0] ?? 'v';
    return {
      body: { ...partial, value: ch.repeat(n) },
      how: `value of ${n} "${ch}" characters, as the title and the visible prefix show`,
    };
  }
  return undefined;
}

/** Sizes some titles state for bodies recorded in full: checked so a bad copy cannot go unnoticed. */
function checkDeclaredSize(title, body) {
  const m = /name too long \((\d+) chars\)/.exec(title) ?? /key (\d+) chars/.exec(title);
  if (!m || body === null || typeof body !== 'object') return;
  const field = title.includes('name too long') ? 'name' : 'key';
  const length = String(body[field] ?? '').length;
  if (length !== Number(m[1])) fail(`"${title}": ${field} has ${length} characters, the title says ${m[1]}`);
}

function isJsonType(contentType) {
  return /^application\/json\b/i.test(contentType ?? '');
}

function parseSection(title, lines) {
  const head = /^`([A-Z]+) (\S+)` → \*\*(\d{3})\*\* \(([^)]*)\)\s*$/.exec(lines[0] ?? '');
  if (!head) fail(`"${title}": no request line`);
  const [, method, path, status, responseContentType] = head;

  const blocks = [];
  let current;
  for (const line of lines.slice(1)) {
    if (current === undefined) {
      if (/^```/.test(line)) current = [];
    } else if (line === '```') {
      blocks.push(current.join('\n'));
      current = undefined;
    } else {
      current.push(line);
    }
  }
  if (current !== undefined) fail(`"${title}": unterminated code block`);
  if (blocks.length < 1 || blocks.length > 2) fail(`"${title}": ${blocks.length} code blocks`);
  const [requestText, responseText] = blocks.length === 2 ? blocks : [undefined, blocks[0]];

  const exchange = { title, method, path, status: Number(status) };
  const truncatedParts = [];
  const reconstructed = [];

  if (requestText !== undefined) {
    let body;
    let contentType = 'application/json';
    if (requestText.endsWith(TRUNCATED)) {
      truncatedParts.push('request');
      const prefix = requestText.slice(0, -TRUNCATED.length).replace(/\s+$/, '');
      const rebuilt = reconstructRequest(title, prefix);
      if (!rebuilt) fail(`"${title}": truncated request that the title does not describe`);
      if (!pyDumps(rebuilt.body).startsWith(prefix))
        fail(`"${title}": rebuilt request does not match the recording`);
      body = rebuilt.body;
      reconstructed.push(`request: ${rebuilt.how}`);
    } else if (requestText === '<bytes>') {
      // The recorder shows uploads as <bytes>; the same file is downloaded later ("mlflow-artifacts
      // download"), so its content is known.
      const download = 'hello world';
      body = download;
      contentType = 'application/octet-stream';
      reconstructed.push(
        `request: the uploaded bytes are "${download}", the content the later downloads return`,
      );
    } else {
      try {
        body = JSON.parse(requestText);
      } catch {
        body = requestText;
      }
    }
    if (/content-type \(([^)]+)\)/i.test(title)) contentType = /content-type \(([^)]+)\)/i.exec(title)[1];
    checkDeclaredSize(title, body);
    exchange.requestContentType = contentType;
    exchange.requestBody = body;
  } else if (method !== 'GET' && method !== 'DELETE') {
    exchange.requestBody = null;
  }

  exchange.responseContentType = responseContentType;
  if (responseText.endsWith(TRUNCATED)) {
    truncatedParts.push('response');
    const prefix = responseText.slice(0, -TRUNCATED.length).replace(/\n$/, '');
    exchange.responseBody = isJsonType(responseContentType) ? parseJsonPrefix(prefix) : prefix;
  } else if (isJsonType(responseContentType)) {
    try {
      exchange.responseBody = JSON.parse(responseText);
    } catch {
      exchange.responseBody = responseText;
    }
  } else {
    exchange.responseBody = responseText;
  }

  if (truncatedParts.length > 0) {
    exchange.truncated = true;
    exchange.truncatedParts = truncatedParts;
  }
  if (reconstructed.length > 0) exchange.reconstructed = reconstructed.join('; ');
  return exchange;
}

function extract(markdown) {
  const exchanges = [];
  let title;
  let lines = [];
  const flush = () => {
    if (title !== undefined) exchanges.push(parseSection(title, lines));
  };
  for (const line of markdown.split('\n')) {
    const heading = /^### (.+)$/.exec(line);
    if (heading) {
      flush();
      title = heading[1].trim();
      lines = [];
    } else if (title !== undefined && (lines.length > 0 || line.trim() !== '')) {
      lines.push(line);
    }
  }
  flush();
  const seen = new Set();
  for (const e of exchanges) {
    if (seen.has(e.title)) fail(`duplicate title "${e.title}"`);
    seen.add(e.title);
  }
  return exchanges;
}

const [input, output = DEFAULT_OUT] = process.argv.slice(2);
if (!input) fail('usage: node scripts/extract-mlflow-exchanges.mjs <API-examples.md> [out.json]');
const exchanges = extract(readFileSync(input, 'utf8'));
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify(exchanges, null, 1)}\n`);
const truncated = exchanges.filter((e) => e.truncated).length;
console.log(`extract-mlflow-exchanges: ${exchanges.length} exchanges (${truncated} truncated) -> ${output}`);
