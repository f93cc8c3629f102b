import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig } from '../../server/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

t.test('defaults give an embedded database in ./data with the demo', async (t) => {
  const config = loadConfig({});
  t.equal(config.PORT, 3000);
  t.equal(config.DATABASE_URL, undefined);
  t.match(config.dataDir, /\/data$/);
  t.equal(config.demo, true);
  t.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).demo, false, 'no demo on a real server unless asked');
});

t.test('a bad value is refused with a message naming the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), new ConfigError('Invalid configuration: PORT="eighty" Invalid input: expected number, received NaN'));
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT="70000"/);
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL="mysql:\/\/x" must be a postgres:\/\/ or postgresql:\/\/ URL/);
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud"/);
  t.throws(() => loadConfig({ DEMO: 'perhaps' }), /DEMO="perhaps"/);
});

t.test('the server refuses to start with bad configuration: one line, non-zero exit', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: 'abc', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.not(run.status, 0);
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  t.match(run.stderr, /PORT="abc"/);
});

t.test('the server refuses to start when the database cannot be reached', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.not(run.status, 0);
  t.match(run.stderr, /Cannot prepare the database/);
  t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace');
});
