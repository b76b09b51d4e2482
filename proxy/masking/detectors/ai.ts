/** AI providers: OpenAI, Anthropic, Hugging Face, Groq, Replicate, Cohere-style keys. */
import type { Detector } from '../detector.js';
import { token } from './build.js';

export const aiDetectors: Detector[] = [
  token({ id: 'anthropic-api-key', description: 'Anthropic API / admin key', prefixes: ['sk-ant-api03-', 'sk-ant-admin01-', 'sk-ant-'], body: '[A-Za-z0-9_\\-]{32,200}', priority: 65 }),
  token({
    id: 'openai-api-key',
    description: 'OpenAI API key (project, service account, admin, legacy)',
    prefixes: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-'],
    body: '[A-Za-z0-9_\\-]{20,250}',
    priority: 62,
  }),
  token({
    id: 'openai-api-key',
    description: 'OpenAI API key (legacy format, with the T3BlbkFJ marker)',
    prefixes: ['sk-'],
    body: '[A-Za-z0-9_\\-]{8,120}T3BlbkFJ[A-Za-z0-9_\\-]{8,120}',
    priority: 61,
  }),
  token({ id: 'huggingface-token', description: 'Hugging Face access token', prefixes: ['hf_'], body: '[A-Za-z0-9]{34,40}', priority: 55 }),
  token({ id: 'groq-api-key', description: 'Groq API key', prefixes: ['gsk_'], body: '[A-Za-z0-9]{48,56}', priority: 55 }),
  token({ id: 'replicate-token', description: 'Replicate API token', prefixes: ['r8_'], body: '[A-Za-z0-9]{37,40}', priority: 55 }),
  token({ id: 'perplexity-api-key', description: 'Perplexity API key', prefixes: ['pplx-'], body: '[A-Za-z0-9]{40,56}', priority: 55 }),
  token({ id: 'xai-api-key', description: 'xAI API key', prefixes: ['xai-'], body: '[A-Za-z0-9]{70,90}', priority: 55 }),
];
