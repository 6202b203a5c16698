/**
 * Structured logging to stderr, so stdout stays free for results (`--json`).
 *
 * Two formats: `text` for people (time, level, component, message, key=value fields) and `json`
 * (one object per line) for log collectors. Fields named like secrets are masked: a mnemonic or a
 * password must never reach a log even when a caller passes one by mistake.
 */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `component` and `fields` in addition to this one's. */
  child(component: string, fields?: LogFields): Logger;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  component?: string;
  fields?: LogFields;
  write?: (line: string) => void;
}

const SECRET_KEY = /(mnemonic|password|secret|seed|private|phrase)/i;
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };
const LABEL: Record<LogLevel, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR', silent: '' };

function clean(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = value.message;
    else if (typeof value === 'bigint') out[key] = value.toString();
    else out[key] = value;
  }
  return out;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const component = options.component;
  const bound = options.fields ?? {};

  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < RANK[level]) return;
    const all = clean({ ...bound, ...fields });
    const time = new Date().toISOString();
    if (format === 'json') {
      write(JSON.stringify({ time, level: lvl, ...(component ? { component } : {}), msg, ...all }));
      return;
    }
    const kv = Object.entries(all)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
    write(`${time} ${LABEL[lvl]} ${component ? `[${component}] ` : ''}${msg}${kv ? '  ' + kv : ''}`);
  };

  return {
    level,
    trace: (m, f) => emit('trace', m, f),
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    isEnabled: (lvl) => RANK[lvl] >= RANK[level] && lvl !== 'silent',
    child: (name, fields) =>
      createLogger({
        level,
        format,
        write,
        component: component ? `${component}/${name}` : name,
        fields: { ...bound, ...fields },
      }),
  };
}

/** For library code and tests that must not print. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
