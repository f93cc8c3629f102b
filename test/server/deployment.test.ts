import fs from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';

// Docker is not available where the tests run, so docker-compose.yml is checked by reading it.
t.test('docker-compose.yml runs the app with PostgreSQL 16 or 17, a volume and health checks', async (t) => {
  const compose = parse(fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
  const { app, db } = compose.services;
  t.match(db.image, /^postgres:1[67]/);
  t.ok(db.healthcheck?.test, 'the database has a health check');
  t.ok(db.volumes?.some((v: string) => v.endsWith(':/var/lib/postgresql/data')), 'the data lives in a volume');
  t.ok(compose.volumes && Object.keys(compose.volumes).length > 0, 'the volume is declared');
  t.match(app.environment.DATABASE_URL, /^postgres:\/\/[^@]+@db:5432\//, 'the app uses the compose database');
  t.equal(app.environment.HOST, '0.0.0.0', 'the app listens beyond the container');
  t.equal(app.depends_on.db.condition, 'service_healthy', 'the app waits for a healthy database');
  t.match(JSON.stringify(app.healthcheck.test), /healthz/);
  // Without the patched PostgreSQL driver a dropped connection can end the process (see patches/).
  t.ok(!/--ignore-scripts/.test(app.command) || /patch-package/.test(app.command), 'the driver patch is applied even when install scripts are skipped');
});
