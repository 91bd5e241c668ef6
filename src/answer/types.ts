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
}
