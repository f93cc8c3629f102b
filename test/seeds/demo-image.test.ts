// The prepared demo image (a fast first start, issue 18): made by this code, it opens as the demo with nothing made at
// start (no secret, no session); an image made by other code is never used.
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { buildDemoImage, demoImageFingerprint, isFreshDataDir, readDemoImage } from '../../seeds/demo-image.ts';
import { DEMO_ACCOUNTS, loadDemoIfEmpty } from '../../seeds/demo-loader.ts';

t.setTimeout(110_000);

t.test('an image made by this code opens as the demo, ready to start', async (t) => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-image-cache-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttc-image-data-'));
  t.teardown(() => {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  t.equal(readDemoImage(cache), null, 'no image before one is made');
  // A leftover image from other code: never used, and removed when a new one is made.
  fs.writeFileSync(path.join(cache, 'demo-0000000000000000.tar.gz'), 'stale');
  t.equal(readDemoImage(cache), null, 'an image with another fingerprint is not used');

  const { file } = await buildDemoImage(cache);
  t.equal(path.basename(file), `demo-${demoImageFingerprint()}.tar.gz`, 'named by the fingerprint of the code that made it');
  t.same(fs.readdirSync(cache), [path.basename(file)], 'the stale image is gone, no part file left');

  t.ok(isFreshDataDir(dataDir), 'an empty folder is a first start');
  const image = readDemoImage(cache);
  t.ok(image, 'the new image is found');
  const database = await openDatabase({ dataDir, loadDataDir: image! });
  t.teardown(() => database.close());
  t.notOk(isFreshDataDir(dataDir), 'after opening, the folder is not fresh any more');
  t.same((await migrateToLatest(database.db)).results, [], 'every migration is in the image');
  const demo = await loadDemoIfEmpty(database.db);
  t.equal(demo.loaded, false, 'the demo is already there');
  t.same(demo.accounts.map((a) => a.email).sort(), DEMO_ACCOUNTS.map((a) => a.email).sort(), 'with every demo account');
  const figures = await sql<{ n: number }>`select count(*)::int as n from observation`.execute(database.db);
  t.ok(figures.rows[0]!.n > 400, `and the demo's figures (${figures.rows[0]!.n})`);
  const made = await sql<{ n: number }>`select (select count(*) from app_setting)::int + (select count(*) from user_session)::int as n`.execute(database.db);
  t.equal(made.rows[0]!.n, 0, 'no setting or session: every secret is made by the app at start');
});
