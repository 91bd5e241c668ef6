// Subpath imports of @xenova/transformers (its types cover the package root only).
declare module '@xenova/transformers/src/tokenizers.js' {
  export { AutoTokenizer } from '@xenova/transformers';
}
declare module '@xenova/transformers/src/env.js' {
  export { env } from '@xenova/transformers';
}
