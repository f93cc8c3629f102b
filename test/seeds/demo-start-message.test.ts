// What `npm start` prints about the demo: passwords once, when it is loaded; never again as if new.
import t from 'tap';
import { DEMO_ACCOUNTS, demoStartMessage } from '../../seeds/demo-loader.ts';

t.test('the first start lists every demo account with its password', async (t) => {
  const text = demoStartMessage({ loaded: true, accounts: DEMO_ACCOUNTS }).join('\n');
  t.match(text, 'Demo partnership loaded');
  for (const account of DEMO_ACCOUNTS) t.match(text, `${account.email}  password: ${account.password}`, account.role);
});

t.test('a restart says the demo is already there and prints no password', async (t) => {
  const lines = demoStartMessage({ loaded: false, accounts: DEMO_ACCOUNTS });
  t.equal(lines.length, 1, 'one line');
  t.match(lines[0], 'already loaded on an earlier start');
  for (const account of DEMO_ACCOUNTS) {
    t.match(lines[0], account.email, `names ${account.email}`);
    t.notMatch(lines[0], account.password, `does not print ${account.role}'s password`);
  }
});

t.test('a database without the demo accounts says nothing about them', async (t) => {
  t.same(demoStartMessage({ loaded: false, accounts: [] }), []);
});
