/**
 * Decodes a config value the way yacs does with `ast.literal_eval`: numbers, quoted strings, True/False/None and
 * tuples/lists of these become values; anything else stays the raw string (so `foo/bar.pth` is a string).
 * Lower-case `true`/`false`/`null` are accepted too (YAML habits), which yacs would keep as strings.
 */
export type Literal = number | string | boolean | null | Literal[];

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseAll(): Literal {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new Error('trailing');
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private value(): Literal {
    this.ws();
    const c = this.s[this.i];
    if (c === '(' || c === '[') return this.seq(c === '(' ? ')' : ']');
    if (c === '"' || c === "'") return this.string(c);
    const m = /^[+-]?(\d[\d_]*\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan)/.exec(this.s.slice(this.i));
    if (m && !/^[+-]?(inf|nan)/.test(m[0])) {
      this.i += m[0].length;
      const n = Number(m[0].replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new Error('number');
      return n;
    }
    const w = /^[A-Za-z_]+/.exec(this.s.slice(this.i));
    if (w) {
      const table: Record<string, Literal> = { True: true, False: false, None: null, true: true, false: false, null: null };
      if (Object.prototype.hasOwnProperty.call(table, w[0])) {
        this.i += w[0].length;
        return table[w[0]];
      }
    }
    throw new Error('not a literal');
  }

  private seq(close: string): Literal[] {
    this.i++;
    const out: Literal[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error('sequence');
    }
  }

  private string(q: string): string {
    this.i++;
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\' && this.i + 1 < this.s.length) {
        const e = this.s[++this.i];
        out += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e] ?? `\\${e}`;
      } else out += this.s[this.i];
      this.i++;
    }
    if (this.s[this.i] !== q) throw new Error('unterminated');
    this.i++;
    return out;
  }
}

/** Decodes `text` as a Python literal when it is one; otherwise returns `text` unchanged. */
export function decodeLiteral(text: string): Literal {
  try {
    return new Parser(text).parseAll();
  } catch {
    return text;
  }
}
