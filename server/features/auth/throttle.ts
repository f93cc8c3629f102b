// How guessing passwords is slowed down. Every attempt is counted *before* the password is checked, in the database,
// one statement per counter (queries.ts `countAttempt`), so any number of attempts sent at once get no more checks
// than the rules allow; a right password gives its attempt back.
//
// - An account from one address: SIGN_IN_LIMIT attempts, then a wait of SIGN_IN_WINDOW_MINUTES before the next,
//   doubling with each attempt after (at most a day). Signing in rightly clears it. This is what a guesser meets,
//   and it stops only them: the account's owner at another address is not held up by it.
// - An address, whatever the account: ten times as many (many accounts tried from one place), with the same waits.
// - An account, from every address: counted, never refused by itself. Past ten times SIGN_IN_LIMIT failures (a
//   guesser with many addresses), each address gets a single attempt at the account before its waits start. The
//   owner signing in from anywhere with the right password still gets in at the first try; a guesser needs a new
//   address for every guess.
// Counters are forgotten a day after their wait ends. The client address is the socket's, or the one the proxies
// named by TRUST_PROXY report: a client cannot choose it (config.ts).
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { clearAttempts, countAttempt, forgetQuietThrottles, giveBackAttempts, secondsUntilAdmitted, type ThrottleRule } from './queries.ts';

/** Accounts and addresses as a whole get this many times an account-from-one-address's attempts. */
const WIDER_FACTOR = 10;
const NEVER_REFUSED = 2 ** 31 - 1;

export type Admission = { admitted: true; settle: (succeeded: boolean) => Promise<void> } | { admitted: false; waitSeconds: number };

export function signInRules(config: Pick<Config, 'SIGN_IN_LIMIT' | 'SIGN_IN_WINDOW_MINUTES'>) {
  const firstWaitSeconds = config.SIGN_IN_WINDOW_MINUTES * 60;
  return {
    accountFromAddress: { free: config.SIGN_IN_LIMIT, firstWaitSeconds },
    /** An account under attack from many addresses: one attempt per address. */
    accountFromAddressUnderAttack: { free: 1, firstWaitSeconds },
    address: { free: config.SIGN_IN_LIMIT * WIDER_FACTOR, firstWaitSeconds },
    account: { free: NEVER_REFUSED, firstWaitSeconds },
    accountUnderAttackAfter: config.SIGN_IN_LIMIT * WIDER_FACTOR,
    /** Checks of the current password before changing it: the same as signing in from one address. */
    currentPassword: { free: config.SIGN_IN_LIMIT, firstWaitSeconds },
  };
}
type Rules = ReturnType<typeof signInRules>;

/**
 * Asks to check a password for `email` from `address`. When admitted, call `settle` with the outcome once the
 * password has been checked: a right password clears this address's count for the account and gives back the rest.
 */
export async function admitSignIn(db: Kysely<DB>, rules: Rules, email: string, address: string): Promise<Admission> {
  const account = email.trim().toLowerCase();
  const keys = { address: `address:${address}`, account: `account:${account}`, accountFromAddress: `account-address:${account} ${address}` };
  // Now and then, not on every request: counters nobody has touched for days.
  if (Math.random() < 0.01) await forgetQuietThrottles(db);

  if ((await countAttempt(db, keys.address, rules.address)) === null) {
    return { admitted: false, waitSeconds: await secondsUntilAdmitted(db, keys.address, rules.address) };
  }
  const againstAccount = (await countAttempt(db, keys.account, rules.account)) ?? NEVER_REFUSED;
  const rule: ThrottleRule = againstAccount > rules.accountUnderAttackAfter ? rules.accountFromAddressUnderAttack : rules.accountFromAddress;
  if ((await countAttempt(db, keys.accountFromAddress, rule)) === null) {
    // Not made after all: it must not count against the address or the account.
    await giveBackAttempts(db, [keys.address, keys.account]);
    return { admitted: false, waitSeconds: await secondsUntilAdmitted(db, keys.accountFromAddress, rule) };
  }
  return {
    admitted: true,
    settle: async (succeeded) => {
      if (!succeeded) return;
      await clearAttempts(db, keys.accountFromAddress);
      await giveBackAttempts(db, [keys.address, keys.account]);
    },
  };
}

/** The same for checking a signed-in user's current password before it is changed. */
export async function admitCurrentPasswordCheck(db: Kysely<DB>, rules: Rules, userId: string): Promise<Admission> {
  const key = `current-password:${userId}`;
  if ((await countAttempt(db, key, rules.currentPassword)) === null) {
    return { admitted: false, waitSeconds: await secondsUntilAdmitted(db, key, rules.currentPassword) };
  }
  return { admitted: true, settle: async (succeeded) => (succeeded ? clearAttempts(db, key) : undefined) };
}

/** "Wait 15 minutes", "Wait 2 hours": rounded up, so that trying again then works. */
export function waitText(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `Wait ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.ceil(minutes / 60);
  return `Wait ${hours} hours`;
}
