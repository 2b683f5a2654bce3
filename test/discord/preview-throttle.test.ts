import { describe, expect, it } from 'vitest';
import { PreviewThrottle } from '../../src/discord/preview-throttle.ts';

describe('PreviewThrottle', () => {
  it('lets the first preview out at once, then at most one per interval', () => {
    let now = 1000;
    const t = new PreviewThrottle(2000, () => now);
    expect(t.tryStart()).toBe(true);
    t.done();
    now += 500;
    expect(t.tryStart()).toBe(false);
    now += 1500;
    expect(t.tryStart()).toBe(true);
  });

  it('drops previews while an edit is still in flight, however long it takes', () => {
    let now = 0;
    const t = new PreviewThrottle(100, () => now);
    expect(t.tryStart()).toBe(true);
    now += 10_000;
    expect(t.tryStart()).toBe(false);
    t.done();
    expect(t.tryStart()).toBe(true);
  });

  it('drops previews until a rate limit has passed', () => {
    let now = 0;
    const t = new PreviewThrottle(100, () => now);
    t.tryStart();
    t.done(5000);
    now += 1000;
    expect(t.tryStart()).toBe(false);
    now += 4001;
    expect(t.tryStart()).toBe(true);
  });
});
