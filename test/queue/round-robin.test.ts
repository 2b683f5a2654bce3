/** RoundRobin: whose turn it is among keys with work waiting. */
import { describe, expect, it } from 'vitest';
import { RoundRobin } from '../../src/queue/round-robin.ts';

/** Starts and finishes turns one at a time (one slot), returning the keys in the order served. */
function serve(turns: RoundRobin<string>, count: number): string[] {
  const served: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = turns.next();
    if (key === undefined) break;
    turns.start(key);
    turns.finish(key);
    served.push(key);
  }
  return served;
}

describe('RoundRobin', () => {
  it('alternates between keys that both have work', () => {
    const turns = new RoundRobin<string>();
    for (let i = 0; i < 3; i++) turns.add('a');
    for (let i = 0; i < 2; i++) turns.add('b');
    expect(serve(turns, 10)).toEqual(['a', 'b', 'a', 'b', 'a']);
  });

  it('gives a newcomer the next turn ahead of keys already served', () => {
    const turns = new RoundRobin<string>();
    for (let i = 0; i < 5; i++) turns.add('a');
    expect(serve(turns, 2)).toEqual(['a', 'a']);
    turns.add('b');
    turns.add('c');
    expect(serve(turns, 4)).toEqual(['b', 'c', 'a', 'a']);
  });

  it('prefers the key with fewer jobs running', () => {
    const turns = new RoundRobin<string>();
    turns.add('a');
    turns.add('a');
    turns.add('b');
    turns.start('a');
    // b is a newcomer anyway; once b runs too, the key running less goes first.
    expect(turns.next()).toBe('b');
    turns.start('b');
    turns.add('b');
    turns.finish('b');
    expect(turns.next()).toBe('b');
  });

  it('skips keys the caller rules out', () => {
    const turns = new RoundRobin<string>();
    turns.add('a');
    turns.add('b');
    expect(turns.next((key) => key !== 'a')).toBe('b');
    expect(turns.next(() => false)).toBeUndefined();
  });

  it('forgets a key once it has nothing waiting or running', () => {
    const turns = new RoundRobin<string>();
    turns.add('a');
    turns.start('a');
    expect(turns.has('a')).toBe(true);
    turns.finish('a');
    expect(turns.has('a')).toBe(false);
    turns.add('b');
    turns.remove('b');
    expect(turns.has('b')).toBe(false);
  });

  it('clones into an independent copy', () => {
    const turns = new RoundRobin<string>();
    turns.add('a');
    turns.add('b');
    const copy = turns.clone();
    expect(serve(copy, 2)).toEqual(['a', 'b']);
    expect(turns.waiting('a')).toBe(1);
    expect(turns.next()).toBe('a');
  });

  it('throws when asked to start or finish what is not there', () => {
    const turns = new RoundRobin<string>();
    expect(() => turns.start('a')).toThrow('RoundRobin: unknown key a');
    turns.add('a');
    expect(() => turns.finish('a')).toThrow('RoundRobin: a has nothing running');
  });
});
