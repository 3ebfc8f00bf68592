// A syntax tree copied into plain objects by one cursor walk. Every property read on a
// node-tree-sitter node (type, namedChildren, childForFieldName) crosses into native code and
// builds new node objects; a rule that reads a body many times over (the lock rules) reads a
// copy instead: one native step per node, then plain JavaScript.

import type { SyntaxNode } from './parse';
import { Lines } from './parse';

/** What the readers of a C body use of a node: satisfied by tree-sitter's nodes and by LiteNode. */
export interface CNode {
  readonly type: string;
  readonly text: string;
  readonly id: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: { row: number };
  readonly endPosition: { row: number };
  readonly namedChildren: this[];
  readonly namedChildCount: number;
  readonly nextNamedSibling: this | null;
  childForFieldName(name: string): this | null;
  namedChild(i: number): this | null;
  child(i: number): this | null;
}

/** Where a copied tree's nodes read their text and rows. */
interface Source {
  text: (start: number, end: number) => string;
  lines: Lines;
}

let nextId = 1;

export class LiteNode {
  readonly id = nextId++;
  readonly children: LiteNode[] = [];
  parent: LiteNode | null = null;
  private named_: LiteNode[] | undefined;
  constructor(
    private readonly src: Source,
    readonly type: string,
    readonly isNamed: boolean,
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
  ) {}

  get text(): string {
    return this.src.text(this.startIndex, this.endIndex);
  }
  get startPosition(): { row: number } {
    return { row: this.src.lines.row(this.startIndex) };
  }
  get endPosition(): { row: number } {
    return { row: this.src.lines.row(this.endIndex) };
  }
  get namedChildren(): LiteNode[] {
    return (this.named_ ??= this.children.filter((c) => c.isNamed));
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  get nextNamedSibling(): LiteNode | null {
    const sibs = this.parent?.children ?? [];
    for (let i = sibs.indexOf(this) + 1; i < sibs.length; i++) if (sibs[i].isNamed) return sibs[i];
    return null;
  }
  childForFieldName(name: string): LiteNode | null {
    return this.children.find((c) => c.field === name) ?? null;
  }
  namedChild(i: number): LiteNode | null {
    return this.namedChildren[i] ?? null;
  }
  child(i: number): LiteNode | null {
    return this.children[i] ?? null;
  }
}

/**
 * Copy `root` and everything below it. `text` is the file's text (rows are read from it); the
 * nodes' text is the tree's own (a masked parse reads masked text, as the tree's nodes do).
 */
export function liteTree(root: SyntaxNode, text: string, lines: Lines = Lines.of(text)): LiteNode {
  const tree = root.tree as unknown as { getText?: (n: { startIndex: number; endIndex: number }) => string };
  const src: Source = {
    text: tree.getText ? (s, e) => tree.getText!({ startIndex: s, endIndex: e }) : (s, e) => text.slice(s, e),
    lines,
  };
  const c = root.walk();
  const copy = (field: string | null): LiteNode => {
    const n = new LiteNode(src, c.nodeType, c.nodeIsNamed, field, c.startIndex, c.endIndex);
    if (c.gotoFirstChild()) {
      do {
        const k = copy(c.currentFieldName || null);
        k.parent = n;
        n.children.push(k);
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return n;
  };
  return copy(null);
}
