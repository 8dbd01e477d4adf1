import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirmDelete } from './mongo-confirm.js';

const terminal = (answer: string) => {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  setTimeout(() => input.write(`${answer}\n`), 10);
  return input;
};

describe('confirmDelete (exp runs delete without --yes)', () => {
  it.each([['y', true], ['yes', true], ['Y', true], ['n', false], ['', false], ['maybe', false]])('answer %j gives %s', async (answer, expected) => {
    expect(await confirmDelete(['3'], terminal(answer))).toBe(expected);
  });
  it('says no without asking when there is no terminal', async () => {
    expect(await confirmDelete(['3'], Object.assign(new PassThrough(), { isTTY: false }))).toBe(false);
  });
});
