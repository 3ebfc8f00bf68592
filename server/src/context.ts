// The language server's state, in one object that every feature is handed: the connection, the
// analyzer and the open documents, the settings, and what the last simulation left behind.

import * as path from 'node:path';
import { Connection, MessageType, ShowMessageNotification, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { defaultRegistry } from '../../engine/src';
import { IndexSettings, readIndexSettings } from '../../protocol/src';
import { Analyzer } from './analyzer';
import { VerdictBook } from './verdicts';

/** What workspace indexing keeps between passes (features/workspace.ts). */
export interface IndexState {
  /** What slablens.files matched at the last indexing (indexed from disk while not open in the editor), by uri. */
  wantedOnDisk: Set<string>;
  /** Files the user has been told are over slablens.maxFileBytes (told once each). */
  toldTooLarge: Set<string>;
  toldCapped: boolean;
  /** Each indexing pass has a number; a newer one (settings changed meanwhile) makes an older one stop. */
  pass: number;
  /** the pending idle turn that parses a full tree */
  completing: NodeJS.Timeout | undefined;
}

/** The last run of a scenario file (features/litmus.ts), for its lenses and diagnostics. */
export interface ScenarioRun {
  /** the document version it ran (-1: the file on disk) */
  version: number;
  observation?: string;
  expected?: string;
  matches?: boolean;
  holds: number;
  total: number;
  states: number;
  /** why it stopped before deciding (the state limit, cancelled) */
  reason?: string;
  /** a Run of the user's, whose trace was shown (not a check in the background) */
  shown: boolean;
}

export class ServerContext {
  readonly analyzer: Analyzer;
  /**
   * The open documents. Each content change also goes to the analyzer as the edit it is, while the
   * document still has the text it applies to: no diff of whole texts per keystroke.
   */
  readonly documents: TextDocuments<TextDocument>;
  readonly registry = defaultRegistry();
  /** `slablens.files` and `slablens.maxFileBytes`: from initializationOptions, then from configuration changes. */
  settings: IndexSettings = readIndexSettings(undefined);
  /** The first workspace folder: where .slablens/ (annotations, reviews) lives. Known from initialize on. */
  annotationRoot: string | undefined;
  /** The workspace folders at the last indexing. */
  roots: string[] = [];
  readonly index: IndexState = {
    wantedOnDisk: new Set(),
    toldTooLarge: new Set(),
    toldCapped: false,
    pass: 0,
    completing: undefined,
  };
  /** whether the client lets us ask it to re-request CodeLenses (VS Code does) */
  codeLensRefresh = false;
  /** The last verdicts per function and configuration (KASAN / no KASAN), experiments apart (hover, lens, diagnostics). */
  readonly verdicts = new VerdictBook();
  /** The files diagnostics were last published for. */
  publishedDiagnostics = new Set<string>();
  /** Whether the client's workspace is trusted: scenario files are run in the background only then. */
  trusted = false;
  /** The last run of each scenario file, by uri. */
  readonly scenarioRuns = new Map<string, ScenarioRun>();

  constructor(
    readonly connection: Connection,
    analyzer = new Analyzer(),
  ) {
    this.analyzer = analyzer;
    this.documents = new TextDocuments<TextDocument>({
      create: (uri, languageId, version, content) => TextDocument.create(uri, languageId, version, content),
      update: (doc, changes, version) => {
        for (const c of changes) {
          if ('range' in c) {
            const start = doc.offsetAt(c.range.start);
            const end = doc.offsetAt(c.range.end);
            doc = TextDocument.update(doc, [c], version);
            if (analyzer.text(doc.uri) !== undefined) analyzer.applyEdit(doc.uri, start, end, c.text, doc.getText());
          } else {
            doc = TextDocument.update(doc, [c], version);
            if (analyzer.text(doc.uri) !== undefined) analyzer.update(doc.uri, c.text);
          }
        }
        return doc;
      },
    });
  }

  /** A path as the user knows it: relative to its workspace folder. */
  shown(file: string): string {
    const root = this.roots.find((r) => file.startsWith(r + path.sep));
    return root ? path.relative(root, file).split(path.sep).join('/') : file;
  }

  /** A warning the user sees (window/showMessage: a notification, nothing to answer). */
  warn(message: string): void {
    void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
  }

  /** The C identifier under a position, if any. */
  wordAt(uri: string, line: number, character: number): string | undefined {
    const l = this.analyzer.lineText(uri, line);
    if (l === undefined) return undefined;
    const m = [...l.matchAll(/[A-Za-z_]\w*/g)].find(
      (x) => x.index! <= character && character <= x.index! + x[0].length,
    );
    return m?.[0];
  }
}
