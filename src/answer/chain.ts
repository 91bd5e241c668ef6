import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
import type { Logger } from '../log.js';
import type { HybridRetriever, IdfWeights, PaperHit } from '../retrieval/hybrid-retriever.js';
import { ASKS_AGAIN, ASKS_MORE, ConversationStore, resolveFollowUp, withoutTarget, type Conversations } from './conversation.js';
import { composeExtractive, sourcePassages } from './extractive.js';
import { relevantSources } from './judge.js';
import { LlmUnavailable, NO_ANSWER, askModel, repairCitations } from './llm.js';
import { SentenceMeaning } from './meaning.js';
import { isUnsupported, signalsOf, type EvidenceSignals } from './refusal.js';
import type { RefusalThresholds } from '../retrieval/encoders/profiles.js';
import type { Answer, Citation, Evidence, Source } from './types.js';
import { terms } from '../retrieval/text.js';

export interface AskInput {
  question: string;
  conversationId?: string;
}

export interface AnswerChainDeps {
  retriever: HybridRetriever;
  /** A chat model; undefined = the offline extractive composer. */
  model?: BaseChatModel;
  timeoutMs?: number;
  conversations?: Conversations;
  refusal?: RefusalThresholds;
  log?: Pick<Logger, 'warn'>;
  /** Papers considered as sources (the best ones, within half the top score). */
  maxSources?: number;
}

interface Retrieved extends AskInput {
  resolved: string;
  /** The resolved question as a query vector (computed once: search and sentence meaning share it). */
  vector: number[];
  focus: string[];
  /** The follow-up asks which of the focused papers fits. */
  among: boolean;
  /** Sentences already quoted in this conversation. */
  avoid: ReadonlySet<string>;
  /** The best sentence may be one quoted before (a new question), unless the user asks for more. */
  repeatBest: boolean;
  hits: PaperHit[];
  /** For a follow-up: the library's own ranking for the question, should the earlier sources not address it. */
  unfocused?: PaperHit[];
}
interface Selected extends Retrieved {
  sources: Source[];
  refuse: boolean;
  /** Candidate sentence → cosine similarity to the question. */
  meaning: Map<string, number>;
  /** IDF weights of the user's own words (they choose the sentences). */
  idf: IdfWeights;
}
interface Judged extends Selected {
  /** Time left for the language model within LLM_TIMEOUT_MS (the judge and the composer share it). */
  llmMsLeft: number;
}
interface Composed extends Judged {
  text: string;
  /** Source numbers → the passage each citation rests on. */
  evidenceFor: Map<number, string>;
  notice?: string;
  modelRefused?: boolean;
  quoted?: string[];
}

export const UNAVAILABLE_NOTICE = 'The language model was unavailable, so this answer was composed directly from the abstracts.';

/**
 * Question → cited answer, as a LangChain runnable sequence:
 * resolve follow-up → retrieve → select evidence → compose (LLM or extractive) → verify citations.
 */
export class AnswerChain {
  readonly conversations: Conversations;
  /** Sentence similarity to questions; off when refusal thresholds have no sentence threshold (USE-lite). */
  private readonly meaning?: SentenceMeaning;
  readonly runnable: RunnableSequence<AskInput, Answer>;
  private readonly d: Required<Omit<AnswerChainDeps, 'model' | 'log'>> & Pick<AnswerChainDeps, 'model' | 'log'>;

  constructor(deps: AnswerChainDeps) {
    this.conversations = deps.conversations ?? new ConversationStore();
    this.d = { timeoutMs: 20_000, refusal: deps.retriever.profile.refusal, maxSources: 5, ...deps, conversations: this.conversations };
    if (this.d.refusal.sentence > 0) this.meaning = new SentenceMeaning(deps.retriever.embeddings);
    this.runnable = RunnableSequence.from<AskInput, Answer>([
      RunnableLambda.from((input: AskInput) => this.retrieve(input)).withConfig({ runName: 'retrieve' }),
      RunnableLambda.from((r: Retrieved) => this.select(r)).withConfig({ runName: 'selectEvidence' }),
      RunnableLambda.from((s: Selected) => this.judge(s)).withConfig({ runName: 'judgeEvidence' }),
      RunnableLambda.from((j: Judged) => this.compose(j)).withConfig({ runName: 'compose' }),
      RunnableLambda.from((c: Composed) => this.verify(c)).withConfig({ runName: 'verifyCitations' }),
    ]);
  }

  /** Answers a question; in a conversation the turn is remembered for follow-ups. */
  async ask(question: string, conversationId?: string): Promise<Answer> {
    const answer = await this.runnable.invoke(conversationId === undefined ? { question } : { question, conversationId });
    if (conversationId !== undefined) {
      await this.conversations.add(conversationId, {
        question,
        resolved: answer.resolvedQuestion,
        citations: answer.citations,
        ...(answer.quoted ? { quoted: answer.quoted } : {}),
      });
    }
    return answer;
  }

  /** The question as a vector for sentence meaning: the retrieval vector unless a paper's title was appended. */
  private async questionVector(r: Retrieved): Promise<number[]> {
    const own = withoutTarget(r.resolved);
    return own === r.resolved ? r.vector : this.d.retriever.embeddings.embedQuery(own);
  }

  /** The evidence signals refusal looks at, for a question on its own (calibration, diagnostics). */
  async signals(question: string): Promise<EvidenceSignals> {
    const s = await this.select(await this.retrieve({ question }), true);
    return signalsOf(s.hits, s.meaning.size ? Math.max(...s.meaning.values()) : undefined);
  }

  private async retrieve(input: AskInput): Promise<Retrieved> {
    const turns = input.conversationId === undefined ? [] : await this.conversations.turns(input.conversationId);
    let { question: resolved, focus, among } = resolveFollowUp(input.question, turns);
    // "Which of them …": rank every earlier source by this question (deep enough to reach them all).
    // The question is embedded once the lexical search has gone to the database (the retriever awaits it when it needs it).
    const embedding = this.d.retriever.embedQuestion(resolved);
    // A follow-up is also searched as it stands: does it name another paper, and does the library
    // address it should the earlier sources not? Its vector is kept for the case it becomes the question.
    const ownEmbedding = focus.length && !among ? this.d.retriever.embedQuestion(input.question) : undefined;
    const unfocusedSearch = ownEmbedding && this.d.retriever.searchWithVector(input.question, ownEmbedding, { k: 8, passages: 3 });
    let hits = await this.d.retriever.searchWithVector(resolved, embedding, { k: among ? 50 : 8, passages: 3 });
    let vector = await embedding;
    const unfocused = await unfocusedSearch;
    if (ownEmbedding && unfocused?.[0]?.signals.named && !focus.includes(unfocused[0].id)) {
      // The follow-up names another paper ("and what is CLIP?"): it is a new question.
      [resolved, focus, hits, vector] = [input.question, [], unfocused, await ownEmbedding];
    }
    if (focus.length) {
      const focused = (await Promise.all(focus.map(async (id) => hits.find((h) => h.id === id) ?? (await this.d.retriever.hitFor(id, resolved, 3))))).filter(
        (h): h is PaperHit => !!h,
      );
      if (among) focused.sort((a, b) => b.score - a.score);
      hits = [...focused, ...hits.filter((h) => !focus.includes(h.id))].slice(0, Math.max(8, focused.length));
    }
    const avoid = new Set(ASKS_AGAIN.test(input.question) ? [] : turns.flatMap((t) => t.quoted ?? []));
    const repeatBest = !ASKS_MORE.test(input.question);
    return { ...input, resolved, vector, focus, among: !!among, hits, avoid, repeatBest, ...(focus.length && unfocused ? { unfocused } : {}) };
  }

  /** `measureAll`: embed the candidate sentences even when the question is refused anyway (calibration). */
  private async select(r: Retrieved, measureAll = false): Promise<Selected> {
    const top = r.hits[0]?.score ?? 0;
    // A follow-up about one paper answers from it; "which of them …" from the earlier sources that match best.
    // A question that names its best paper ("What is CLIP?") is answered from that paper too.
    const named = r.focus.length === 0 && !!r.hits[0]?.signals.named;
    const chosen = r.among
      ? r.hits.slice(0, r.focus.length).filter((h, i) => i === 0 || h.score >= 0.5 * top)
      : r.focus.length || named
        ? r.hits.slice(0, 1)
        : r.hits.filter((h, i) => i === 0 || h.score >= 0.5 * top).slice(0, this.d.maxSources);
    const sources = chosen.map((h, i) => {
      const s: Source = { n: i + 1, id: h.id, title: h.title, passages: this.d.model ? h.passages.map((p) => p.text) : sourcePassages(h) };
      if (h.url) s.url = h.url;
      return s;
    });
    // Refusal is an OR of checks: when the paper-level ones already refuse, the sentences (~100 ms of
    // embedding) cannot change that, so they are only measured when they can.
    const refusedAnyway = r.focus.length === 0 && isUnsupported(r.hits, this.d.refusal);
    // What could be quoted, by meaning: for choosing sentences, and for refusing when none addresses the question.
    let meaning = new Map<string, number>();
    const idf = await this.d.retriever.idfWeights(withoutTarget(r.resolved));
    if (this.meaning && (!refusedAnyway || measureAll)) {
      const quotable = chosen.map((h) => ({ passages: sourcePassages(h) }));
      meaning = await this.meaning.similarities(await this.questionVector(r), SentenceMeaning.candidates(withoutTarget(r.resolved), quotable, idf));
    }
    const sentence = meaning.size ? Math.max(...meaning.values()) : undefined;
    // A follow-up is answered from the earlier sources; refused only when none of their sentences
    // comes near it in meaning or words and the library's own ranking would refuse it too.
    const offFocus = r.unfocused && sentence !== undefined && sentence < this.d.refusal.sentence && !sharesWords(withoutTarget(r.resolved), chosen, idf);
    const refuse =
      refusedAnyway || (r.focus.length === 0 ? isUnsupported(r.hits, this.d.refusal, sentence) : !!offFocus && isUnsupported(r.unfocused!, this.d.refusal));
    return { ...r, sources, refuse, meaning, idf };
  }

  /**
   * With a language model: one structured call rates each source (0–10); sources rated below
   * RELEVANT are dropped, and none left is a refusal. A timeout or an unusable reply leaves the
   * offline thresholds' verdict as it is. The rating and the answer share LLM_TIMEOUT_MS.
   */
  private async judge(s: Selected): Promise<Judged> {
    const started = performance.now();
    const left = () => Math.max(0, Math.floor(this.d.timeoutMs - (performance.now() - started)));
    if (!this.d.model || s.refuse) return { ...s, llmMsLeft: this.d.timeoutMs };
    try {
      // At most half the deadline: the composer always keeps the other half.
      const keep = await relevantSources(this.d.model, s.resolved, s.sources, Math.floor(this.d.timeoutMs / 2));
      const sources = s.sources.filter((x) => keep.has(x.n));
      return { ...s, sources, refuse: sources.length === 0, llmMsLeft: left() };
    } catch (err) {
      this.d.log?.warn(`source rating unavailable (${(err as Error).message}); the similarity thresholds decide`);
      return { ...s, llmMsLeft: left() };
    }
  }

  private async compose(s: Judged): Promise<Composed> {
    if (s.refuse) return { ...s, text: '', evidenceFor: new Map() };
    if (this.d.model) {
      try {
        if (s.llmMsLeft <= 0) throw new LlmUnavailable(`no reply within ${this.d.timeoutMs} ms`);
        const raw = (await askModel(this.d.model, s.resolved, s.sources, s.llmMsLeft, this.d.timeoutMs)).trim();
        if (NO_ANSWER.test(raw)) return { ...s, text: '', evidenceFor: new Map(), modelRefused: true };
        const { text, cited } = repairCitations(raw, new Set(s.sources.map((x) => x.n)));
        if (!text || cited.length === 0) throw new LlmUnavailable(text ? 'answer without valid citations' : 'empty answer');
        const evidenceFor = new Map(cited.map((n) => [n, s.hits[n - 1]?.passages[0]?.text ?? s.sources[n - 1]!.passages[0] ?? '']));
        return { ...s, text, evidenceFor };
      } catch (err) {
        this.d.log?.warn(`language model unavailable (${(err as Error).message}); using the extractive answer`);
        return { ...this.extractive(s), notice: UNAVAILABLE_NOTICE };
      }
    }
    return this.extractive(s);
  }

  private extractive(s: Judged): Composed {
    const sources = this.d.model ? s.sources.map((x) => ({ ...x, passages: sourcePassages(s.hits[x.n - 1]!) })) : s.sources;
    // Sentences are chosen by the user's words; the appended title only steers retrieval.
    const r = composeExtractive(withoutTarget(s.resolved), sources, s.hits, s.idf, s.meaning, { avoid: s.avoid, repeatBest: s.repeatBest });
    return { ...s, text: r.answer, evidenceFor: new Map(r.used.map((u) => [u.n, u.passage])), quoted: r.quoted };
  }

  /** Renumbers citations by first appearance and checks each maps to a source with evidence. */
  private verify(c: Composed): Answer {
    if (c.refuse || c.modelRefused || !c.text) {
      const closest = c.hits.slice(0, 3).map((h) => (h.url ? { id: h.id, title: h.title, url: h.url } : { id: h.id, title: h.title }));
      return {
        answer: 'The library has no paper on that, so I cannot answer it from the papers I have.',
        citations: [],
        evidence: [],
        refused: true,
        closest,
        resolvedQuestion: c.resolved,
        ...(c.notice ? { notice: c.notice } : {}),
      };
    }
    const order: number[] = [];
    for (const m of c.text.matchAll(/\[(\d+)\]/g)) {
      const n = Number(m[1]);
      if (!order.includes(n) && c.sources.some((s) => s.n === n)) order.push(n);
    }
    const renumber = new Map(order.map((n, i) => [n, i + 1]));
    const answer = c.text.replace(/\[(\d+)\]/g, (_m, n: string) => (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}]` : ''));
    const citations: Citation[] = order.map((n) => {
      const s = c.sources.find((x) => x.n === n)!;
      return s.url ? { n: renumber.get(n)!, id: s.id, title: s.title, url: s.url } : { n: renumber.get(n)!, id: s.id, title: s.title };
    });
    const evidence: Evidence[] = order.map((n) => ({ n: renumber.get(n)!, text: c.evidenceFor.get(n) ?? c.sources.find((x) => x.n === n)!.passages[0] ?? '' }));
    return {
      answer,
      citations,
      evidence,
      refused: false,
      resolvedQuestion: c.resolved,
      ...(c.notice ? { notice: c.notice } : {}),
      ...(c.quoted ? { quoted: c.quoted } : {}),
    };
  }
}

/** Do the papers' abstracts share a rare word of the question (BM25 IDF above 1.5: in fewer than about a fifth of the papers)? */
function sharesWords(question: string, papers: PaperHit[], idf: IdfWeights): boolean {
  const q = [...new Set(terms(question))].filter((t) => idf(t, 'zero') > 1.5);
  if (q.length === 0) return false;
  return papers.some((h) => {
    const t = new Set(terms(h.paper.abstract));
    return q.some((x) => t.has(x));
  });
}
