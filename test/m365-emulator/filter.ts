/**
 * A small OData $filter evaluator for what clients send to the events API: comparisons (eq, ne, gt, ge, lt, le)
 * on property paths, and/or/not, parentheses, and lambda any() — notably
 * `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`. It evaluates against the event as
 * serialised in UTC. Strings compare case-insensitively, as Exchange does; ISO date-times compare as instants.
 */

type Tok = { t: 'str' | 'num' | 'id' | 'op' | '(' | ')' | ':' | ','; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new Error('Unterminated string literal.');
        if (s[i] === "'") {
          if (s[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += s[i++];
      }
      out.push({ t: 'str', v });
      continue;
    }
    if (c === '(' || c === ')' || c === ':' || c === ',') { out.push({ t: c, v: c }); i++; continue; }
    const m = /^[A-Za-z_@][A-Za-z0-9_./@-]*|^-?\d+(\.\d+)?/.exec(s.slice(i));
    if (!m) throw new Error(`Syntax error at position ${i} in '${s}'.`);
    const word = m[0];
    i += word.length;
    if (/^-?\d/.test(word)) out.push({ t: 'num', v: word });
    else if (/^(eq|ne|gt|ge|lt|le|and|or|not)$/i.test(word)) out.push({ t: 'op', v: word.toLowerCase() });
    else out.push({ t: 'id', v: word });
  }
  return out;
}

export type Predicate = (root: unknown) => boolean;

type Node =
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'cmp'; op: string; l: Operand; r: Operand }
  | { k: 'any'; path: string; v: string; body: Node };
type Operand = { k: 'path'; p: string } | { k: 'lit'; v: unknown };

export function compileFilter(expr: string): Predicate {
  const toks = tokenize(expr);
  let p = 0;
  const peek = () => toks[p];
  const eat = (t: string, v?: string) => {
    const x = toks[p];
    if (!x || x.t !== t || (v && x.v !== v)) throw new Error(`Invalid filter clause: expected ${v ?? t} at token ${p} in '${expr}'.`);
    p++;
    return x;
  };
  const orExpr = (): Node => {
    let a = andExpr();
    while (peek()?.t === 'op' && peek().v === 'or') { p++; a = { k: 'or', a, b: andExpr() }; }
    return a;
  };
  const andExpr = (): Node => {
    let a = unary();
    while (peek()?.t === 'op' && peek().v === 'and') { p++; a = { k: 'and', a, b: unary() }; }
    return a;
  };
  const operand = (): Operand => {
    const x = toks[p++];
    if (!x) throw new Error('Invalid filter clause: unexpected end.');
    if (x.t === 'str') return { k: 'lit', v: x.v };
    if (x.t === 'num') return { k: 'lit', v: Number(x.v) };
    if (x.t === 'id') {
      if (x.v === 'true' || x.v === 'false') return { k: 'lit', v: x.v === 'true' };
      if (x.v === 'null') return { k: 'lit', v: null };
      return { k: 'path', p: x.v };
    }
    throw new Error(`Invalid filter clause near '${x.v}'.`);
  };
  const unary = (): Node => {
    const x = peek();
    if (!x) throw new Error('Invalid filter clause: unexpected end.');
    if (x.t === 'op' && x.v === 'not') { p++; return { k: 'not', a: unary() }; }
    if (x.t === '(') { p++; const n = orExpr(); eat(')'); return n; }
    if (x.t === 'id' && /\/any$/i.test(x.v) && toks[p + 1]?.t === '(') {
      p += 2;
      const v = eat('id').v;
      eat(':');
      const body = orExpr();
      eat(')');
      return { k: 'any', path: x.v.slice(0, -4), v, body };
    }
    const l = operand();
    const op = eat('op').v;
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new Error(`Invalid filter operator '${op}'.`);
    return { k: 'cmp', op, l, r: operand() };
  };
  const tree = orExpr();
  if (p !== toks.length) throw new Error(`Invalid filter clause: unexpected '${toks[p].v}'.`);
  return (root) => evaluate(tree, root, {});
}

function resolve(path: string, root: unknown, vars: Record<string, unknown>): unknown {
  const parts = path.split('/');
  let cur: unknown = parts[0] in vars ? vars[parts.shift()!] : root;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : obj[key];
  }
  return cur;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
function norm(v: unknown): unknown {
  if (typeof v === 'string' && ISO.test(v)) {
    const s = /Z|[+-]\d{2}:\d{2}$/.test(v) ? v : v + 'Z';
    return Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
  }
  return typeof v === 'string' ? v.toLowerCase() : v;
}

function evaluate(n: Node, root: unknown, vars: Record<string, unknown>): boolean {
  switch (n.k) {
    case 'and': return evaluate(n.a, root, vars) && evaluate(n.b, root, vars);
    case 'or': return evaluate(n.a, root, vars) || evaluate(n.b, root, vars);
    case 'not': return !evaluate(n.a, root, vars);
    case 'any': {
      const coll = resolve(n.path, root, vars);
      return Array.isArray(coll) && coll.some((item) => evaluate(n.body, root, { ...vars, [n.v]: item }));
    }
    case 'cmp': {
      const val = (o: Operand) => (o.k === 'lit' ? o.v : resolve(o.p, root, vars));
      const a = norm(val(n.l));
      const b = norm(val(n.r));
      switch (n.op) {
        case 'eq': return a === b || (a == null && b == null);
        case 'ne': return !(a === b || (a == null && b == null));
        case 'gt': return a != null && b != null && (a as number) > (b as number);
        case 'ge': return a != null && b != null && (a as number) >= (b as number);
        case 'lt': return a != null && b != null && (a as number) < (b as number);
        case 'le': return a != null && b != null && (a as number) <= (b as number);
      }
    }
  }
  return false;
}
