/**
 * Python's `shlex.split` (POSIX mode), which MLflow uses to separate an order_by key from its
 * direction: whitespace separates words, quotes group and are removed, backslashes escape.
 * Returns undefined where Python raises (an unclosed quote, a trailing backslash).
 */
export function shlexSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let pos = 0;
  while (pos < text.length) {
    const char = text[pos]!;
    if (' \t\r\n'.includes(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      pos++;
      continue;
    }
    word ??= '';
    if (char === '\\') {
      if (pos + 1 >= text.length) return undefined;
      word += text[pos + 1];
      pos += 2;
    } else if (char === "'") {
      const end = text.indexOf("'", pos + 1);
      if (end < 0) return undefined;
      word += text.slice(pos + 1, end);
      pos = end + 1;
    } else if (char === '"') {
      const quoted = readDoubleQuoted(text, pos + 1);
      if (quoted === undefined) return undefined;
      word += quoted.value;
      pos = quoted.end;
    } else {
      word += char;
      pos++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Inside double quotes only `\"` and `\\` are escapes; other backslashes are literal. */
function readDoubleQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let pos = start;
  while (pos < text.length) {
    const char = text[pos]!;
    if (char === '"') return { value, end: pos + 1 };
    const next = text[pos + 1];
    if (char === '\\' && (next === '"' || next === '\\')) {
      value += next;
      pos += 2;
    } else {
      value += char;
      pos++;
    }
  }
  return undefined;
}
