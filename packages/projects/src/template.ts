/**
 * Entry point commands are Python format strings in MLflow (`python train.py --alpha {alpha}`): `{name}`
 * is a parameter, `{{` and `}}` are literal braces. Parsed once when the project is loaded, so a bad
 * template is reported before any run is created.
 */

import { projectError } from './errors.js';

export type TemplatePart = { text: string } | { param: string };

/** Field names Python would look up as plain keys (no attribute, index, conversion or format spec). */
const PLAIN_FIELD = /^[^{}!:.[\]]+$/;

export function parseTemplate(command: string, where: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === '{' && command[i + 1] === '{') {
      text += '{';
      i++;
    } else if (c === '}' && command[i + 1] === '}') {
      text += '}';
      i++;
    } else if (c === '{') {
      const close = command.indexOf('}', i + 1);
      const nextOpen = command.indexOf('{', i + 1);
      if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
        throw projectError(
          `${where}: unbalanced '{' at column ${i + 1} of command ${JSON.stringify(command)} (write '{{' for a literal brace).`,
        );
      }
      const name = command.slice(i + 1, close);
      if (!PLAIN_FIELD.test(name)) {
        throw projectError(
          `${where}: placeholder {${name}} in command ${JSON.stringify(command)} is not a parameter name.`,
        );
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ param: name });
      i = close;
    } else if (c === '}') {
      throw projectError(
        `${where}: unbalanced '}' at column ${i + 1} of command ${JSON.stringify(command)} (write '}}' for a literal brace).`,
      );
    } else {
      text += c;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

export function placeholders(parts: TemplatePart[]): string[] {
  return parts.flatMap((p) => ('param' in p ? [p.param] : []));
}

/** The command with each placeholder replaced by its (already quoted) value. */
export function renderTemplate(parts: TemplatePart[], values: Record<string, string>): string {
  return parts.map((p) => ('param' in p ? values[p.param]! : p.text)).join('');
}
