/**
 * Prompt permutations: `a {red, blue} {circle, star}` names four prompts, one per combination,
 * in reading order ("a red circle", "a red star", "a blue circle", "a blue star"). `\{`, `\}` and
 * `\,` are literal characters; a comma outside braces is ordinary text.
 */
import { UserError } from '../services/user-error.ts';

type Part = string | string[];

/** How many prompts `prompt` expands to, without building them (1 when it has no braces). */
export function permutationCount(prompt: string): number {
  return parse(prompt).reduce((n, p) => (typeof p === 'string' ? n : n * p.length), 1);
}

/**
 * Every prompt `prompt` names, or refuses (naming the count and the limit) when there are more
 * than `limit`. A prompt without braces answers itself, unescaped.
 */
export function expandPermutations(prompt: string, limit: number): string[] {
  const parts = parse(prompt);
  const count = parts.reduce((n, p) => (typeof p === 'string' ? n : n * p.length), 1);
  if (count > limit) {
    throw new UserError('prompt.permutations', `This prompt expands to ${count} combinations; at most ${limit} are allowed in one /imagine. Remove some {…} options.`);
  }
  let out = [''];
  for (const part of parts) {
    const options = typeof part === 'string' ? [part] : part;
    out = out.flatMap((head) => options.map((o) => head + o));
  }
  return out.map((p) => p.replace(/\s+/g, ' ').trim());
}

function parse(prompt: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  let group: string[] | undefined;
  let option = '';
  for (let i = 0; i < prompt.length; i++) {
    const c = prompt[i];
    if (c === '\\' && i + 1 < prompt.length && '{},\\'.includes(prompt[i + 1])) {
      if (group) option += prompt[++i];
      else text += prompt[++i];
    } else if (c === '{') {
      if (group) throw new UserError('prompt.permutations', `"{" at character ${i + 1} opens a group inside another; groups cannot nest (write \\{ for a literal brace)`);
      parts.push(text);
      text = '';
      group = [];
      option = '';
    } else if (c === '}' && group) {
      group.push(option.trim());
      if (group.every((o) => o === '')) throw new UserError('prompt.permutations', `the group ending at character ${i + 1} is empty; write options like {red, blue}`);
      parts.push(group);
      group = undefined;
    } else if (c === '}') {
      throw new UserError('prompt.permutations', `"}" at character ${i + 1} closes no group (write \\} for a literal brace)`);
    } else if (c === ',' && group) {
      group.push(option.trim());
      option = '';
    } else if (group) {
      option += c;
    } else {
      text += c;
    }
  }
  if (group) throw new UserError('prompt.permutations', 'a "{" is never closed; close it with "}" or write \\{ for a literal brace');
  parts.push(text);
  return parts;
}
