/** A numbered source in an answer. Numbers follow first appearance in the answer text. */
export interface Citation {
  n: number;
  id: string;
  title: string;
  url?: string;
}

/** The passage a citation rests on, so a reader can check the claim. */
export interface Evidence {
  n: number;
  text: string;
  /** For a passage of the paper's body: its section ("5.1 Experimental Setup"). */
  section?: string;
  /** A link to that section, when the document has a web address (`…/html/<id>v<N>#S5.SS1`). */
  url?: string;
}

export interface Answer {
  answer: string;
  citations: Citation[];
  evidence: Evidence[];
  refused: boolean;
  /** Set when an LLM was configured but the extractive answer was used instead. */
  notice?: string;
  /** Nearest titles offered with a refusal ("closest papers"), never presented as answers. */
  closest?: { id: string; title: string; url?: string }[];
  /** The self-contained question retrieval saw (after follow-up resolution). */
  resolvedQuestion: string;
  /** Abstract sentences the answer quoted (kept with the conversation so they are not repeated). */
  quoted?: string[];
}

/** A source handed to a composer: number, paper and the passages it may quote. */
export interface Source {
  n: number;
  id: string;
  title: string;
  url?: string;
  passages: string[];
  /** Passages of the paper's body (not its abstract), by text: where in the paper each is. */
  sections?: ReadonlyMap<string, PassageSection>;
  /** A question word's weight among this paper's own passages (its IDF within the paper), for choosing body sentences. */
  termWeight?: (term: string) => number;
}

/** Where in a paper a quoted passage is: `label` is cited (`[1 §5.1]`). */
export interface PassageSection {
  label: string;
  title: string;
  url?: string;
  /** How well the passage answers the question, as a share of the paper's best passage (1 = the best). */
  relevance: number;
}
