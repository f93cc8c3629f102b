// `npm run cli -- <command> [options]`: the operator's command line for accounts, partnerships, memberships and API
// tokens. Scripts depend on its shape: the commands, options, output and exit codes below are an interface.
//   exit 0: done (or help shown);  1: refused or not found;  2: the command line is wrong.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Kysely, Transaction } from 'kysely';
import { loadConfig, type Config } from './config.ts';
import { backupEmbeddedDatabase, restoreEmbeddedDatabase } from './db/backup.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { DB, Role } from './db/schema.ts';
import {
  SET_PASSWORD_LINK_HOURS,
  createApiToken,
  createPartnership,
  createSetPasswordLink,
  createUser,
  findPartnershipId,
  findUserId,
  listMembers,
  normaliseEmail,
  removeMembership,
  revokeApiToken,
  setMembership,
  setPassword,
} from './features/accounts/queries.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from './features/auth/passwords.ts';
import type { AppliedTemplate } from './features/templates/index.ts';
import { ROLES } from './plugins/auth.ts';

const PROGRAM = 'npm run cli --';

/** The command line is wrong: exit 2, with the command's usage line. */
class UsageError extends Error {}
/** The command was understood but cannot be done (not found, refused): exit 1. */
class Refusal extends Error {}

type Values = Record<string, string | boolean | undefined>;
type OptionTypes = Record<string, { type: 'string' | 'boolean' }>;
/** What a command does in the database, in one transaction; it returns the lines to print once that has committed. */
type Action = (trx: Transaction<DB>, config: Config) => Promise<string[]>;
/**
 * A command that is not one transaction of the configured database: a backup or a restore (which handle the embedded
 * folder themselves), or work that commits on its own. With `opensDatabase` it is given the database, opened and migrated.
 */
class OwnWork {
  constructor(
    readonly opensDatabase: boolean,
    readonly run: (config: Config, database?: Database) => Promise<string[]>,
  ) {}
}

interface Io {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

interface Command {
  group: string;
  action: string;
  synopsis: string;
  summary: string;
  /** Lines of help after the usage line: one per option, and notes. */
  help: string[];
  options: OptionTypes;
  /** Checks everything that needs no database (so a wrong command line fails fast), then says what to do in it. */
  prepare(values: Values, io: Io): Promise<Action | OwnWork>;
}

const commands: Command[] = [
  {
    group: 'user',
    action: 'create',
    synopsis: '--email E --name N [--site-admin] [--password-stdin]',
    summary: 'Create an account.',
    help: [
      '  --email E           their email address, which they sign in with',
      '  --name N            their name, as shown to others',
      '  --site-admin        a site administrator (manages every partnership and account)',
      '  --password-stdin    read the password from the first line of standard input (at least 12 characters,',
      '                      and not one of the commonly used passwords);',
      '                      without it, a one-time link to set a password is printed instead',
      `The link is <PUBLIC_URL or http://localhost:PORT>/set-password/<token> and works once, within ${SET_PASSWORD_LINK_HOURS} hours.`,
    ],
    options: { email: { type: 'string' }, name: { type: 'string' }, 'site-admin': { type: 'boolean' }, 'password-stdin': { type: 'boolean' } },
    async prepare(values, io) {
      const email = required(values, 'email');
      const name = required(values, 'name');
      const siteAdmin = values['site-admin'] === true;
      let password: string | undefined;
      if (values['password-stdin']) {
        password = await readPassword(io);
        const problem = passwordProblem(password);
        const badLength = password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH;
        if (problem) throw new Refusal(badLength ? `${problem} (the first line of standard input has ${password.length})` : problem);
      }
      return async (trx, config) => {
        const user = await createUser(trx, { email, name, password, siteAdmin });
        const what = `Created the account ${user.email}${siteAdmin ? ' (site administrator)' : ''}.`;
        if (password) return [what];
        const token = await createSetPasswordLink(trx, user.id);
        return [
          `${what} Send them this link to set their password; it works once, within ${SET_PASSWORD_LINK_HOURS} hours:`,
          `${publicBase(io.env, config)}/set-password/${token}`,
        ];
      };
    },
  },
  {
    group: 'user',
    action: 'set-password',
    synopsis: '--email E [--password-stdin]',
    summary: 'Reset an account\'s password: print a one-time link to set a new one, or set it from standard input.',
    help: [
      '  --email E           the account',
      '  --password-stdin    set the password to the first line of standard input (at least 12 characters,',
      '                      and not one of the commonly used passwords);',
      '                      without it, a one-time link to set a password is printed instead',
      `Setting the password (either way) ends every sign-in of the account. The link works once, within ${SET_PASSWORD_LINK_HOURS} hours.`,
    ],
    options: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async prepare(values, io) {
      const email = normaliseEmail(required(values, 'email'));
      if (!values['password-stdin']) {
        return async (trx, config) => {
          const token = await createSetPasswordLink(trx, await userIdOf(trx, email));
          return [
            `Send ${email} this link to set a new password; it works once, within ${SET_PASSWORD_LINK_HOURS} hours:`,
            `${publicBase(io.env, config)}/set-password/${token}`,
          ];
        };
      }
      const password = await readPassword(io);
      const problem = passwordProblem(password);
      const badLength = password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH;
      if (problem) throw new Refusal(badLength ? `${problem} (the first line of standard input has ${password.length})` : problem);
      // setPassword commits on its own (it ends the account's sessions in the same transaction).
      return new OwnWork(true, async (_config, database) => {
        await setPassword(database!.db, await userIdOf(database!.db, email), password);
        return [`Set a new password for ${email}; every sign-in of that account has ended.`];
      });
    },
  },
  {
    group: 'partnership',
    action: 'create',
    synopsis: '--slug S --name N [--la-name X] [--la-code E08000026] [--la-number 331] [--template KEY]',
    summary: 'Create a partnership, optionally from a template.',
    help: [
      '  --slug S            short name used in its addresses (/p/S/…): 2 to 63 lower-case letters, digits and hyphens',
      '  --name N            the partnership\'s name',
      '  --la-name X         the local authority\'s name',
      '  --la-code E08000026 the local authority\'s ONS code',
      '  --la-number 331     the local authority\'s DfE three-digit number',
      '  --template KEY      set it up from a template (its outcomes, priorities and indicators, with the history',
      '                      of the authority given by --la-number where the benchmark library has it);',
      '                      the partnership and the template are created together or not at all;',
      '                      an unknown KEY is refused with the list of templates',
    ],
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      'la-name': { type: 'string' },
      'la-code': { type: 'string' },
      'la-number': { type: 'string' },
      template: { type: 'string' },
    },
    async prepare(values) {
      const slug = required(values, 'slug');
      const name = required(values, 'name');
      const laName = optional(values, 'la-name');
      const laCode = optional(values, 'la-code');
      if (laCode !== null && !/^[ENSW]\d{8}$/.test(laCode)) throw new UsageError(`--la-code must be an ONS code such as E08000026, not "${laCode}"`);
      const laNumberText = optional(values, 'la-number');
      if (laNumberText !== null && !/^\d{3}$/.test(laNumberText)) {
        throw new UsageError(`--la-number must be the DfE three-digit local authority number, such as 331, not "${laNumberText}"`);
      }
      const laNumber = laNumberText === null ? null : Number(laNumberText);
      const templateKey = optional(values, 'template');
      // Loaded only when asked for: reading the templates is work the other commands need not do.
      const templates = templateKey === null ? null : await import('./features/templates/index.ts');
      if (templates && templateKey !== null) {
        const keys = (await templates.listTemplates()).map((t) => t.key);
        if (!keys.includes(templateKey)) throw new UsageError(`Unknown template "${templateKey}"; the templates are: ${keys.join(', ') || 'none'}`);
      }
      return async (trx) => {
        const partnership = await createPartnership(trx, { slug, name, laName, laCode, laNumber });
        const lines = [`Created the partnership "${partnership.name}" (${partnership.slug}).`];
        if (templates && templateKey !== null) {
          // In the same transaction: a template that cannot be applied leaves no half-made partnership behind.
          lines.push(...describeTemplate(await templates.applyTemplate(trx, partnership.id, templateKey, { laNumber })));
        }
        return lines;
      };
    },
  },
  {
    group: 'member',
    action: 'add',
    synopsis: `--partnership S --email E --role ${ROLES.join('|')}`,
    summary: 'Add someone to a partnership, or change their role in it.',
    help: [
      '  --partnership S     the partnership\'s short name',
      '  --email E           the account to add (it must exist: see "user create")',
      `  --role R            one of ${ROLES.join(', ')} (each can do everything the one before can)`,
    ],
    options: { partnership: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' } },
    async prepare(values) {
      const slug = required(values, 'partnership');
      const email = normaliseEmail(required(values, 'email'));
      const role = required(values, 'role') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`);
      return async (trx) => {
        const partnershipId = await partnershipIdOf(trx, slug);
        const userId = await userIdOf(trx, email);
        const before = (await listMembers(trx, partnershipId)).find((m) => m.id === userId)?.role;
        if (before === role) return [`${email} is already ${role} in ${slug}; nothing changed.`];
        await setMembership(trx, partnershipId, userId, role);
        return [before ? `Changed ${email}'s role in ${slug} from ${before} to ${role}.` : `Added ${email} to ${slug} as ${role}.`];
      };
    },
  },
  {
    group: 'member',
    action: 'remove',
    synopsis: '--partnership S --email E',
    summary: 'Remove someone from a partnership.',
    help: ['  --partnership S     the partnership\'s short name', '  --email E           the member to remove'],
    options: { partnership: { type: 'string' }, email: { type: 'string' } },
    async prepare(values) {
      const slug = required(values, 'partnership');
      const email = normaliseEmail(required(values, 'email'));
      return async (trx) => {
        const removed = await removeMembership(trx, await partnershipIdOf(trx, slug), await userIdOf(trx, email));
        if (!removed) throw new Refusal(`${email} is not a member of ${slug}`);
        return [`Removed ${email} from ${slug}.`];
      };
    },
  },
  {
    group: 'token',
    action: 'create',
    synopsis: '--email E --name N [--write]',
    summary: 'Create an API token for an account; the token alone is on the last line of the output.',
    help: [
      '  --email E           the account the token acts as (with that account\'s memberships)',
      '  --name N            what the token is for, to recognise it later',
      '  --write             may also change data; without it the token is read-only',
      'The token is shown once; only its hash is stored.',
    ],
    options: { email: { type: 'string' }, name: { type: 'string' }, write: { type: 'boolean' } },
    async prepare(values) {
      const email = normaliseEmail(required(values, 'email'));
      const name = required(values, 'name');
      const canWrite = values.write === true;
      return async (trx) => {
        const token = await createApiToken(trx, await userIdOf(trx, email), name, canWrite);
        return [`${canWrite ? 'Read-write' : 'Read-only'} token '${token.name}' for ${email} (id ${token.id}). It is shown once:`, token.token];
      };
    },
  },
  {
    group: 'token',
    action: 'revoke',
    synopsis: '--email E (--name N | --id ID)',
    summary: 'Revoke an account\'s API token, by its name or its id.',
    help: [
      '  --email E           the account the token belongs to',
      '  --name N            the token\'s name (every active token of that name is revoked)',
      '  --id ID             or the token\'s id, as printed by "token create"',
    ],
    options: { email: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } },
    async prepare(values) {
      const email = normaliseEmail(required(values, 'email'));
      const name = optional(values, 'name');
      const id = optional(values, 'id');
      if ((name === null) === (id === null)) throw new UsageError('Give either --name or --id');
      if (id !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new UsageError(`--id must be a token id such as 0b6c5a1e-6f1d-4c3a-9a57-2f0e8f7d9c11, not "${id}"`);
      }
      return async (trx) => {
        const which = id !== null ? { id } : { name: name! };
        const revoked = await revokeApiToken(trx, await userIdOf(trx, email), which);
        const described = id !== null ? `with id ${id}` : `named '${name}'`;
        if (revoked === 0) throw new Refusal(`${email} has no active token ${described}`);
        return [revoked === 1 ? `Revoked the token ${described} of ${email}.` : `Revoked ${revoked} tokens ${described} of ${email}.`];
      };
    },
  },
  {
    group: 'database',
    action: 'backup',
    synopsis: '--out FILE',
    summary: 'Write a backup of the embedded database (DATA_DIR) to a file; the server must be stopped.',
    help: [
      '  --out FILE          the backup file to write (a gzipped tarball of the data folder); never an existing file',
      'It opens the embedded database, so it is refused while the server (or anything else) has DATA_DIR open.',
      'With DATABASE_URL, back up with pg_dump instead (see the README).',
    ],
    options: { out: { type: 'string' } },
    async prepare(values) {
      const out = required(values, 'out');
      return new OwnWork(false, async (config) => {
        if (config.DATABASE_URL) throw new Refusal('DATABASE_URL is set: back PostgreSQL up with pg_dump --format=custom (see the README); this command backs up the embedded database');
        const made = await backupEmbeddedDatabase(config.dataDir, out);
        return [`Wrote a backup of ${config.dataDir} to ${out} (${describeSize(made.bytes)}: ${describeContents(made)}).`];
      });
    },
  },
  {
    group: 'database',
    action: 'restore',
    synopsis: '--from FILE [--data-dir DIR]',
    summary: 'Restore a backup made by "database backup" into a new or empty folder.',
    help: [
      '  --from FILE         the backup file',
      '  --data-dir DIR      the folder to restore into (default DATA_DIR); it must be new or empty',
      'Then start the tracker with DATA_DIR=DIR. A folder that holds anything is refused: move it aside first.',
      'With DATABASE_URL, restore PostgreSQL with pg_restore instead (see the README).',
    ],
    options: { from: { type: 'string' }, 'data-dir': { type: 'string' } },
    async prepare(values) {
      const from = required(values, 'from');
      const dataDir = optional(values, 'data-dir');
      return new OwnWork(false, async (config) => {
        if (config.DATABASE_URL && dataDir === null) {
          throw new Refusal('DATABASE_URL is set: restore PostgreSQL with pg_restore (see the README), or give --data-dir to restore an embedded database');
        }
        const target = dataDir === null ? config.dataDir : path.resolve(dataDir);
        const restored = await restoreEmbeddedDatabase(from, target);
        return [`Restored ${from} into ${target} (${describeContents(restored)}). Start the tracker with DATA_DIR=${target}.`];
      });
    },
  },
  {
    group: 'benchmark',
    action: 'periods',
    synopsis: '[--release FILE]',
    summary: 'Report, by measure, the benchmark library\'s period labels that map to no period of ours.',
    help: [
      '  --release FILE      a release file in the long LAIT format (CSV or gzip) to check instead of the shipped one,',
      '                      against the shipped dictionary (seeds/benchmark/lait-full-measures.csv)',
      'Needs no database. Such periods are left out of imports, and each import says so.',
    ],
    options: { release: { type: 'string' } },
    async prepare(values) {
      const release = optional(values, 'release');
      return new OwnWork(false, async () => {
        const { releasePeriodReport } = await import('./benchmark/release-file.ts');
        try {
          return await releasePeriodReport(release ?? undefined);
        } catch (error) {
          throw new Refusal(error instanceof Error ? error.message : String(error));
        }
      });
    },
  },
  {
    group: 'notices',
    action: 'run',
    synopsis: '',
    summary: 'Run one reminder pass: queue the notices now due and send the emails waiting (for cron, in place of the scheduler).',
    help: ['Emails are sent when SMTP_URL and MAIL_FROM are set; otherwise notices stay in the app. Each notice is sent once,', 'even alongside running servers on PostgreSQL.'],
    options: {},
    async prepare() {
      return new OwnWork(true, async (config, database) => {
        const { runNoticesCommand } = await import('./features/reminders/scheduler.ts');
        return runNoticesCommand(database!.db, config);
      });
    },
  },
];

const groups = [...new Set(commands.map((c) => c.group))];
const usageLine = (c: Command) => `${PROGRAM} ${c.group} ${c.action} ${c.synopsis}`;

function overallHelp(): string {
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.group} ${c.action} ${c.synopsis}\n      ${c.summary}`),
    '',
    `Run '${PROGRAM} <command> --help' for a command's options.`,
    'The database is DATABASE_URL, or else the embedded one in DATA_DIR (default ./data); it is migrated first',
    '(except by "database backup" and "database restore"). The embedded database is one process\'s at a time:',
    'while the server runs on DATA_DIR, stop it first, or use the web pages or the API.',
    'Exit status: 0 done, 1 refused or not found, 2 the command line is wrong.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [`Usage: ${usageLine(c)}`, c.summary, '', ...c.help].join('\n');
}

function required(values: Values, name: string): string {
  const value = optional(values, name);
  if (value === null) throw new UsageError(`--${name} is required`);
  return value;
}

function optional(values: Values, name: string): string | null {
  const value = values[name];
  if (typeof value !== 'string' || !value.trim()) return null;
  return value.trim();
}

async function userIdOf(db: Kysely<DB>, email: string): Promise<string> {
  const id = await findUserId(db, email);
  if (!id) throw new Refusal(`There is no account for ${email}`);
  return id;
}

async function partnershipIdOf(db: Kysely<DB>, slug: string): Promise<string> {
  const id = await findPartnershipId(db, slug);
  if (!id) throw new Refusal(`There is no partnership with the short name "${slug}"`);
  return id;
}

function publicBase(env: Record<string, string | undefined>, config: Config): string {
  const url = env.PUBLIC_URL?.trim();
  return url ? url.replace(/\/+$/, '') : `http://localhost:${config.PORT}`;
}

/** The first line of standard input, without its line ending; typed without echo when standard input is a terminal. */
async function readPassword(io: Io): Promise<string> {
  if (io.stdin.isTTY) return readHidden(io);
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new UsageError('--password-stdin: nothing was read from standard input');
}

function readHidden({ stdin, stderr }: Io): Promise<string> {
  stderr.write('Password (not shown): ');
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(), resolve(text);
        if (ch === '\u0003') return finish(), reject(new Refusal('Cancelled; nothing was changed'));
        text = ch === '\u007f' || ch === '\b' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

function describeContents(contents: { partnerships: number; observations: number }): string {
  const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return `${count(contents.partnerships, 'partnership')}, ${count(contents.observations, 'figure')}`;
}

function describeSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function describeTemplate(applied: AppliedTemplate): string[] {
  const count = (n: number, one: string, many = `${one}s`) => (n ? [`${n} ${n === 1 ? one : many}`] : []);
  const history = applied.authority ? ` (${applied.indicatorsWithHistory} with ${applied.authority.name}'s history)` : '';
  const made = [
    ...count(applied.outcomes, 'outcome'),
    ...count(applied.priorities, 'priority', 'priorities'),
    ...count(applied.indicators, 'indicator').map((s) => s + history),
    ...count(applied.programmes, 'programme'),
    ...count(applied.performanceMeasures, 'performance measure'),
    ...count(applied.actions, 'action'),
    ...count(applied.dataDevelopmentItems, 'data development item'),
  ];
  return [`Applied the template "${applied.name}" (${applied.key}): ${made.join(', ') || 'nothing to add'}.`, ...applied.notes];
}

function parseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Unknown option ${/'([^']+)'/.exec(message)?.[1] ?? message}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `Unexpected argument ${/'([^']*)'/.exec(message)?.[0] ?? message}`;
  // node's messages run to several lines ("…is ambiguous. Did you forget…? To specify…"): the first and the remedy.
  const lines = message.split('\n');
  return lines.length > 1 ? `${lines[0]} ${lines[lines.length - 1]}` : message;
}

/** Runs one command line; returns the exit status. */
async function main(argv: string[], io: Io): Promise<number> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const complain = (text: string) => io.stderr.write(`${text}\n`);
  const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

  const [group, action, ...rest] = argv;
  if (group === undefined || group === '') {
    complain(`Say what to do: ${groups.join(', ')}.`);
    complain(`Run '${PROGRAM} --help' for usage.`);
    return 2;
  }
  if (isHelp(group)) {
    say(overallHelp());
    return 0;
  }
  const inGroup = commands.filter((c) => c.group === group);
  if (!inGroup.length) {
    complain(`Unknown command "${group}"; the commands are ${groups.join(', ')}.`);
    complain(`Run '${PROGRAM} --help' for usage.`);
    return 2;
  }
  if (isHelp(action)) {
    say(inGroup.map(commandHelp).join('\n\n'));
    return 0;
  }
  const command = inGroup.find((c) => c.action === action);
  if (!command) {
    const actions = inGroup.map((c) => c.action).join(', ');
    complain(action === undefined ? `"${group}" needs one of: ${actions}.` : `Unknown command "${group} ${action}"; "${group}" has: ${actions}.`);
    complain(`Run '${PROGRAM} ${group} --help' for usage.`);
    return 2;
  }

  let done: Action | OwnWork;
  try {
    let values: Values;
    try {
      ({ values } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      if (rest.some(isHelp)) values = { help: true };
      else throw new UsageError(parseError(error));
    }
    if (values.help) {
      say(commandHelp(command));
      return 0;
    }
    done = await command.prepare(values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      complain(error.message);
      complain(`Usage: ${usageLine(command)}`);
      return 2;
    }
    complain(error instanceof Error ? error.message : String(error));
    return 1;
  }

  // Refusals (AccountError, Refusal, BackupRefusal, a data folder in use), bad configuration and an unreachable
  // database alike: the message, no stack.
  let database: Database | undefined;
  try {
    const config = loadConfig(io.env);
    if (done instanceof OwnWork && !done.opensDatabase) {
      for (const line of await done.run(config)) say(line);
      return 0;
    }
    try {
      database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, poolSize: 2 });
      await migrateToLatest(database.db);
    } catch (error) {
      if (error instanceof DataDirLockedError) throw error;
      throw new Refusal(`The database could not be opened and migrated: ${error instanceof Error ? error.message : String(error)}`);
    }
    const work = done;
    const opened = database;
    const lines = work instanceof OwnWork ? await work.run(config, opened) : await opened.db.transaction().execute((trx) => work(trx, config));
    for (const line of lines) say(line);
    return 0;
  } catch (error) {
    complain(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await database?.close();
  }
}

process.exitCode = await main(process.argv.slice(2), { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
