// Knowledge-base documents in API tests: wait until the job kb.index has
// settled a document (done or failed) and answer it.
import assert from 'node:assert/strict';

export async function settled(who, kbId, docId, timeout = 30000) {
  const until = Date.now() + timeout;
  for (;;) {
    const r = await who.get(`/api/v1/kb/${kbId}/documents/${docId}`);
    assert.equal(r.status, 200, r.body);
    if (['done', 'failed'].includes(r.json.status)) return r.json;
    if (Date.now() > until) throw new Error(`document ${docId} still ${r.json.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
