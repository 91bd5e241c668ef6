import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Config } from '../config.js';

/**
 * The configured chat model, or undefined for the offline extractive composer. Provider packages
 * are imported only when chosen. Retries are kept low: the deadline (LLM_TIMEOUT_MS) and the
 * extractive fallback are the safety net, not long backoffs.
 */
export async function createChatModel(config: Config): Promise<BaseChatModel | undefined> {
  switch (config.ANSWER_COMPOSER) {
    case 'extractive':
      return undefined;
    case 'openai': {
      const { ChatOpenAI } = await import('@langchain/openai');
      return new ChatOpenAI({
        model: config.OPENAI_MODEL,
        apiKey: config.OPENAI_API_KEY ?? 'not-needed',
        configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {},
        temperature: 0,
        maxRetries: 1,
        timeout: config.LLM_TIMEOUT_MS,
      });
    }
    case 'anthropic': {
      const { ChatAnthropic } = await import('@langchain/anthropic');
      return new ChatAnthropic({
        model: config.ANTHROPIC_MODEL,
        ...(config.ANTHROPIC_API_KEY ? { apiKey: config.ANTHROPIC_API_KEY } : {}),
        ...(config.ANTHROPIC_BASE_URL ? { anthropicApiUrl: config.ANTHROPIC_BASE_URL } : {}),
        temperature: 0,
        maxRetries: 1,
      });
    }
    case 'ollama': {
      const { ChatOllama } = await import('@langchain/ollama');
      return new ChatOllama({ model: config.OLLAMA_MODEL, baseUrl: config.OLLAMA_BASE_URL, temperature: 0, maxRetries: 1 });
    }
  }
}
