import type { SourceRef } from '../../evidence/source.ts';
import { insertAfter, insertBefore, replaceLine, type LineEdit } from '../config-edit.ts';

/** A directive to edit: its name, its arguments as parsed, and the line it is on. */
export interface DirectiveAt {
  name: string;
  args: string[];
  ref: SourceRef;
}

interface Statement {
  start: number;
  end: number;
  words: string[];
  /** What closed it: `;` for a simple directive, `{` for a block head, `}` or the line end. */
  close: string;
}

/** Splits one line of NGINX configuration into its statements, with their offsets (quotes and comments respected). */
function statements(line: string): Statement[] {
  const out: Statement[] = [];
  let start = -1;
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const close = (at: number, c: string) => {
    endWord();
    if (start >= 0) out.push({ start, end: at + (c === ';' || c === '{' ? 1 : 0), words, close: c });
    start = -1;
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#') break;
    if (c === ';' || c === '{' || c === '}') {
      close(i, c);
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    if (start < 0) start = i;
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < line.length && line[j] !== c) {
        if (line[j] === '\\') j++;
        v += line[j] ?? '';
        j++;
      }
      word = (word ?? '') + v;
      i = j;
      continue;
    }
    word = (word ?? '') + c;
  }
  close(line.length, '');
  return out;
}

function find(line: string, d: DirectiveAt): { st: Statement; alone: boolean } | undefined {
  const all = statements(line);
  const st = all.find((x) => x.words[0] === d.name && x.words.length === d.args.length + 1 && x.words.slice(1).every((w, i) => w === d.args[i]));
  return st ? { st, alone: all.length === 1 } : undefined;
}

/**
 * Line edits of an NGINX configuration made directive by directive. A directive alone on its line
 * is replaced or followed by a plain line edit; one that shares its line with others
 * (`location / { proxy_pass http://a; health_check; }`) is edited inside the line, leaving the
 * rest in place. Several changes to one line are composed into one replacement.
 */
export class DirectiveEdits {
  #inserts: LineEdit[] = [];
  #lines = new Map<string, { ref: SourceRef; text: string }>();

  #current(ref: SourceRef): string {
    return this.#lines.get(`${ref.file}:${ref.line}`)?.text ?? ref.text ?? '';
  }

  #set(ref: SourceRef, text: string): void {
    this.#lines.set(`${ref.file}:${ref.line}`, { ref, text });
  }

  /** Replaces one directive with `text`. */
  replace(d: DirectiveAt, text: string): this {
    const line = this.#current(d.ref);
    const f = find(line, d);
    this.#set(d.ref, f && !f.alone ? `${line.slice(0, f.st.start)}${text}${line.slice(f.st.end)}` : text);
    return this;
  }

  /** Inserts `text` right after a directive: on the next line when it is alone on its own, else after its `;`. */
  insertAfter(d: DirectiveAt, text: string): this {
    const line = this.#current(d.ref);
    const f = find(line, d);
    if (!f || (f.alone && !this.#lines.has(`${d.ref.file}:${d.ref.line}`))) this.#inserts.push(insertAfter(d.ref, text));
    else this.#set(d.ref, `${line.slice(0, f.st.end)} ${text}${line.slice(f.st.end)}`);
    return this;
  }

  /** Inserts `text` as the first thing inside a block (`upstream app {`). */
  insertInBlock(head: DirectiveAt, text: string): this {
    const line = this.#current(head.ref);
    const f = find(line, head);
    const endsLine = f && f.st.close === '{' && line.slice(f.st.end).replace(/#.*$/, '').trim() === '';
    if (!f || (endsLine && !this.#lines.has(`${head.ref.file}:${head.ref.line}`))) this.#inserts.push(insertAfter(head.ref, text));
    else this.#set(head.ref, `${line.slice(0, f.st.end)} ${text}${line.slice(f.st.end)}`);
    return this;
  }

  /** Inserts `text` just before a directive or block: on the line above when the directive starts its line. */
  insertBefore(d: DirectiveAt, text: string): this {
    const line = this.#current(d.ref);
    const f = find(line, d);
    if (!f || f.st.start === 0) this.#inserts.push(insertBefore(d.ref, text));
    else this.#set(d.ref, `${line.slice(0, f.st.start)}${text}\n${line.slice(f.st.start)}`);
    return this;
  }

  /** The line edits, replacements first. */
  list(): LineEdit[] {
    return [...[...this.#lines.values()].map(({ ref, text }) => replaceLine(ref, text)), ...this.#inserts];
  }
}
