/**
 * The import graph of our own TypeScript sources, read with the TypeScript parser (static
 * imports, `export … from`, dynamic `import()`, type-only imports too: a circle of types
 * is still two modules that cannot be understood apart). For the layering tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** module (path relative to the repository root) → the modules it imports (same form). */
  edges: Map<string, Set<string>>;
  /** module → bare specifiers it imports (packages and node: built-ins). */
  external: Map<string, Set<string>>;
}

const REPO_ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function specifiers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The graph of every module under `roots` (repository-relative folders) and what they import. */
export function importGraph(roots: string[]): ImportGraph {
  const edges = new Map<string, Set<string>>();
  const external = new Map<string, Set<string>>();
  const files = roots.flatMap((r) => sourceFiles(join(REPO_ROOT, r)));
  const rel = (f: string) => relative(REPO_ROOT, f).split('\\').join('/');
  for (const file of files) {
    const to = new Set<string>();
    const ext = new Set<string>();
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (!target) throw new Error(`${rel(file)} imports ${spec}, which does not resolve`);
        to.add(rel(target));
      } else ext.add(spec);
    }
    edges.set(rel(file), to);
    external.set(rel(file), ext);
  }
  return { edges, external };
}

/** Every import circle among `modules` (a filter), each named as "a → b → … → a". */
export function importCycles(graph: ImportGraph, modules: (m: string) => boolean): string[] {
  // Tarjan's strongly connected components; a component of more than one module (or a
  // module importing itself) holds at least one circle, and one is named per component.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const next = (m: string) => [...(graph.edges.get(m) ?? [])].filter(modules);
  const connect = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || next(v).includes(v)) components.push(c);
    }
  };
  for (const m of [...graph.edges.keys()].filter(modules).sort()) if (!idx.has(m)) connect(m);
  return components.map((c) => {
    const inside = new Set(c);
    const start = [...c].sort()[0]!;
    // Shortest way back to the start within the component (breadth first).
    const prev = new Map<string, string>();
    const queue = [start];
    let end: string | null = null;
    while (queue.length && end === null) {
      const v = queue.shift()!;
      for (const w of next(v)) {
        if (!inside.has(w)) continue;
        if (w === start) {
          end = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = end!; v !== start; v = prev.get(v)!) path.splice(1, 0, v);
    const named = [...path, start].join(' → ');
    return c.length > path.length ? `${named} (one circle among ${c.length} modules: ${[...c].sort().join(', ')})` : named;
  });
}

/** Modules reachable from `entry` (itself included). */
export function reachable(graph: ImportGraph, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const w of graph.edges.get(queue.shift()!) ?? []) {
      if (seen.has(w)) continue;
      seen.add(w);
      queue.push(w);
    }
  }
  return seen;
}
