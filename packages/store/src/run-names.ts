import { randomInt } from 'node:crypto';

// Memorable names for unnamed runs, in MLflow's `adjective-animal-NNN` form.
const ADJECTIVES = [
  'able', 'amazing', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'dapper', 'eager', 'fast', 'gentle',
  'glad', 'grand', 'happy', 'honest', 'keen', 'kind', 'lively', 'lucky', 'merry', 'mighty', 'neat', 'nimble',
  'polite', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'shy', 'smart', 'steady', 'sunny', 'swift', 'tidy',
  'vivid', 'warm', 'wise', 'witty', 'zealous',
];
const ANIMALS = [
  'ant', 'bat', 'bear', 'bee', 'bison', 'cat', 'crab', 'crane', 'deer', 'dove', 'eel', 'elk', 'finch', 'fox',
  'frog', 'gnat', 'goat', 'hare', 'hawk', 'heron', 'ibis', 'jay', 'koala', 'lark', 'lynx', 'mole', 'moth',
  'newt', 'owl', 'panda', 'quail', 'ram', 'seal', 'shrew', 'snail', 'swan', 'toad', 'trout', 'vole', 'wasp',
  'whale', 'wolf', 'yak', 'zebra',
];

export function generateRunName(): string {
  const pick = (words: string[]): string => words[randomInt(words.length)] ?? 'run';
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${randomInt(1000)}`;
}
