// Reading and writing CSV as real files come: bytes → text (UTF-8 with or without a BOM, UTF-16 with a BOM), then
// rows with their line numbers. Whatever cannot be read is refused with a message that says what is wrong and how
// to fix it in the spreadsheet. Pure: no database, no HTTP.
import { parse as parseInStream } from 'csv-parse';
import { CsvError, parse } from 'csv-parse/sync';
import { unstorableCharacter } from '../../plugins/input-guard.ts';

export type Decoded = { ok: true; text: string; encoding: string } | { ok: false; message: string };

const SAVE_AS_CSV = 'In Excel, choose File, then Save As, then “CSV UTF-8 (Comma delimited) (*.csv)”, and upload that file.';

/** The line (1-based) of a byte offset. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The offset of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    if (i + need > bytes.length - 1) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export function decodeUpload(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { ok: false, message: 'The file is empty.' };
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    return { ok: false, message: `This is an Excel workbook (.xlsx) or another zipped file, not a CSV file. ${SAVE_AS_CSV}` };
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) return { ok: false, message: `This is an old Excel workbook (.xls), not a CSV file. ${SAVE_AS_CSV}` };
  if (starts(0x25, 0x50, 0x44, 0x46)) return { ok: false, message: 'This is a PDF, not a CSV file. Upload the figures as a CSV file.' };
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    try {
      return { ok: true, text: new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(2)), encoding: encoding.toUpperCase() };
    } catch {
      return { ok: false, message: `The file says it is in ${encoding.toUpperCase()} but is not. ${SAVE_AS_CSV}` };
    }
  }
  const body = starts(0xef, 0xbb, 0xbf) ? bytes.subarray(3) : bytes;
  const sample = body.subarray(0, 8192);
  if (sample.includes(0)) {
    return { ok: false, message: `This file is not a CSV file: it holds binary data, not text. ${SAVE_AS_CSV}` };
  }
  // The native decoder checks a big file quickly; only a file it refuses is scanned again, to say where.
  let decodedText: string | null = null;
  try {
    decodedText = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    decodedText = null;
  }
  const bad = decodedText === null ? firstInvalidUtf8(body) : -1;
  if (bad >= 0) {
    const byte = body[bad]!;
    const guess = byte === 0xa3 ? ' (it looks like a £ sign saved in the Windows-1252 encoding)' : byte >= 0x80 && byte <= 0xff ? ' (perhaps an accented letter or symbol saved in the Windows-1252 or Latin-1 encoding)' : '';
    return {
      ok: false,
      message: `The file is not in a known encoding: line ${lineOfByte(body, bad)} has a character that is not UTF-8, byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}${guess}. ${SAVE_AS_CSV}`,
    };
  }
  const text = decodedText ?? new TextDecoder('utf-8').decode(body);
  const head = text.slice(0, 200).trimStart().toLowerCase();
  if (head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml')) {
    return { ok: false, message: 'This is a web page or an XML file, not a CSV file. Upload the figures as a CSV file.' };
  }
  if (head.startsWith('{') || head.startsWith('[')) return { ok: false, message: 'This looks like JSON, not a CSV file. Upload a CSV file here (the API takes JSON).' };
  return { ok: true, text, encoding: 'UTF-8' };
}

export interface CsvRow {
  /** The line the record starts on, counting the header as line 1. */
  line: number;
  values: Record<string, string>;
}

export type ParsedCsv =
  | { ok: true; columns: string[]; rows: CsvRow[]; unknownColumns: string[]; delimiter: string }
  | { ok: false; message: string };

/** A column name as people write it: `Indicator Code`, ` indicator_code `, `"period"`. */
export const normaliseColumn = (name: string) => name.replace(/^\ufeff/, '').trim().toLowerCase().replace(/[\s-]+/g, '_');

function detectDelimiter(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  const candidates = [',', '\t', ';'].map((c) => ({ c, n: count(c) }));
  const best = candidates.sort((a, b) => b.n - a.n)[0]!;
  return best.n > 0 ? best.c : ',';
}

type TableOptions = { required: string[]; known?: string[]; maxRows: number; what: string };
type CsvRecord = { record: string[]; raw: string; info: { lines: number } };
type PreparedCsv = { ok: true; body: string; delimiter: string; lineOffset: number } | { ok: false; message: string };

const csvOptions = (delimiter: string) => ({ delimiter, relax_column_count: true, skip_empty_lines: true, info: true, raw: true, bom: true });

/** Records handled between two pauses when a big file is read without holding up other requests. */
const STEP = 2000;
/** Characters handed to the CSV parser at a time, between pauses. */
const CHUNK = 64 * 1024;

/** Lets other requests run: a big file is read in steps, never in one go. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The text to parse and how: a BOM and Excel's "sep=;" line taken off, the delimiter found. */
function prepareCsv(text: string): PreparedCsv {
  let body = text.replace(/^\ufeff/, '');
  let delimiter: string | null = null;
  // Excel's "sep=;" hint on the first line.
  const sep = /^sep=(.)\r?\n/i.exec(body);
  let lineOffset = 0;
  if (sep) {
    delimiter = sep[1]!;
    body = body.slice(sep[0].length);
    lineOffset = 1;
  }
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  if (!firstLine.trim()) {
    const nonEmpty = body.trim();
    if (!nonEmpty) return { ok: false, message: 'The file has no rows.' };
  }
  delimiter ??= detectDelimiter(body.slice(0, 64 * 1024).split(/\r?\n/).find((l) => l.trim()) ?? '');
  return { ok: true, body, delimiter, lineOffset };
}

function csvErrorMessage(error: unknown, lineOffset: number): string {
  if (!(error instanceof CsvError)) throw error;
  const line = ((error as CsvError & { lines?: number }).lines ?? 0) + lineOffset;
  const why =
    error.code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted field is never closed: a field that starts with " must end with "'
      : error.code === 'CSV_INVALID_CLOSING_QUOTE'
        ? 'a quote in the middle of a field: inside a quoted field, write a quote as two quotes ("")'
        : error.message.replace(/\s+/g, ' ');
  return `The file could not be read as CSV${line ? ` at line ${line}` : ''}: ${why}.`;
}

/** The records into rows: checked, and pausing (yield) every STEP records so that a caller can let others run. */
function* tableOf(records: CsvRecord[], prepared: PreparedCsv & { ok: true }, options: TableOptions): Generator<void, ParsedCsv> {
  const { body, delimiter, lineOffset } = prepared;
  if (!records.length) return { ok: false, message: 'The file has no rows.' };
  const [header, ...data] = records;
  // A NUL can hide past the binary-file sniff in decodeUpload, and the database refuses it (the file is kept as text).
  // One scan of the text finds it; only then are the cells searched, to name the line and column.
  const stray = unstorableCharacter(body);
  if (stray) {
    for (const [n, r] of records.entries()) {
      if (n % STEP === 0) yield;
      const at = r.record.findIndex((cell) => unstorableCharacter(cell) !== null);
      if (at < 0) continue;
      const line = r.info.lines - (r.raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0) + lineOffset;
      const column = r === header ? `column ${at + 1}` : `column “${header!.record[at]?.trim() || at + 1}”`;
      return { ok: false, message: `Line ${line}, ${column} holds ${unstorableCharacter(r.record[at]!)}, which cannot be stored: remove it from the file and upload it again.` };
    }
    return { ok: false, message: `The file holds ${stray}, which cannot be stored: remove it from the file and upload it again.` };
  }
  const columns = header!.record.map(normaliseColumn);
  const known = options.known ?? options.required;
  const missing = options.required.filter((c) => !columns.includes(c));
  if (missing.length) {
    const looksLikeData = !columns.some((c) => known.includes(c));
    const first = looksLikeData
      ? `The first line must be the column names (${known.join(', ')}), but it is “${header!.record.slice(0, 4).join(delimiter)}${header!.record.length > 4 ? '…' : ''}”.`
      : `The file has no ${missing.map((m) => `“${m}”`).join(' or ')} column${missing.length > 1 ? 's' : ''}.`;
    return { ok: false, message: `${first} ${options.what}` };
  }
  const duplicates = columns.filter((c, i) => c && columns.indexOf(c) !== i);
  if (duplicates.length) return { ok: false, message: `The column “${duplicates[0]}” appears twice in the first line.` };
  if (data.length > options.maxRows) return { ok: false, message: `The file has ${data.length.toLocaleString('en-GB')} rows: upload at most ${options.maxRows.toLocaleString('en-GB')} at a time.` };
  const rows: CsvRow[] = [];
  for (const [n, r] of data.entries()) {
    if (n % STEP === 0) yield;
    if (r.record.every((cell) => cell.trim() === '')) continue;
    const line = r.info.lines - (r.raw.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0) + lineOffset;
    const values: Record<string, string> = {};
    columns.forEach((c, i) => {
      if (c) values[c] = r.record[i] ?? '';
    });
    rows.push({ line, values });
  }
  return { ok: true, columns, rows, unknownColumns: columns.filter((c) => c && !known.includes(c)), delimiter };
}

/**
 * Rows with their line numbers. `columns` are the expected column names (normalised): those in `required` must be
 * there; any others in the file are reported, not read. Blank lines and lines of empty cells are skipped.
 * In one go: for small files (parseCsvTableInSteps reads a big upload without holding up other requests).
 */
export function parseCsvTable(text: string, options: TableOptions): ParsedCsv {
  const prepared = prepareCsv(text);
  if (!prepared.ok) return prepared;
  let records: CsvRecord[];
  try {
    records = parse(prepared.body, csvOptions(prepared.delimiter)) as unknown as CsvRecord[];
  } catch (error) {
    return { ok: false, message: csvErrorMessage(error, prepared.lineOffset) };
  }
  const steps = tableOf(records, prepared, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** As parseCsvTable, for a big upload: the text is parsed a chunk at a time, letting other requests run between. */
export async function parseCsvTableInSteps(text: string, options: TableOptions): Promise<ParsedCsv> {
  const prepared = prepareCsv(text);
  if (!prepared.ok) return prepared;
  const records: CsvRecord[] = [];
  const parser = parseInStream(csvOptions(prepared.delimiter));
  parser.on('data', (record: CsvRecord) => records.push(record));
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  finished.catch(() => {});
  try {
    for (let at = 0; at < prepared.body.length; at += CHUNK) {
      // Wait until this chunk is parsed (a stream would otherwise queue every chunk and parse them in one go).
      const chunk = prepared.body.slice(at, at + CHUNK);
      await new Promise<void>((resolve, reject) => parser.write(chunk, (error) => (error ? reject(error) : resolve())));
      await yieldToEventLoop();
    }
    parser.end();
    await finished;
  } catch (error) {
    return { ok: false, message: csvErrorMessage(error, prepared.lineOffset) };
  }
  const steps = tableOf(records, prepared, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await yieldToEventLoop();
  }
}

/** One CSV field: quoted when it must be, quotes doubled. */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvLine = (fields: (string | number | null | undefined)[]) => fields.map(csvField).join(',');

// A spreadsheet runs a cell that starts with = + - @ as a formula. Free text is written with a leading apostrophe
// (which Excel hides) and read back without it, so an export re-imported is unchanged.
const FORMULA_START = /^[=+\-@\t\r]/;
export const protectText = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);
export const unprotectText = (text: string) => (/^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text);
