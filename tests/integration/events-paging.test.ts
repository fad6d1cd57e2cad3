// Paging a filtered event list: a page that stops at the scan limit hands on a cursor from which
// the next page continues without skipping an event.
import { it, expect } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';

it('paging a filtered event list never skips an event at the scan limit', async () => {
  const t = await tempDir();
  const store = await openStore(t.dir);
  try {
    const T = Date.parse('2026-03-02T00:00:00Z');
    // newest first: e5 (other), e4 (other), e3 (wanted), e2 (other), e1 (wanted)
    const devices = ['wanted', 'other', 'wanted', 'other', 'other'];
    await store.write(
      devices.flatMap((deviceId, i) =>
        store.events.appendOps(
          { kind: 'alert.raised', severity: 'major', deviceId, message: `e${i + 1}` },
          T + i * 1000,
        ),
      ),
    );
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await store.events.query({
        deviceId: 'wanted',
        limit: 10,
        maxScan: 2,
        ...(before ? { before } : {}),
      });
      seen.push(...r.items.map((e) => e.message));
      if (!r.next) break;
      before = r.next;
    }
    expect(seen).toEqual(['e3', 'e1']);
  } finally {
    await store.close();
    await t.cleanup();
  }
});
