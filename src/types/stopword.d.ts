declare module 'stopword' {
  /** English stop-word list. */
  export const eng: string[];
}
